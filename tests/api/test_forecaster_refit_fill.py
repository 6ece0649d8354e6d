"""``backtest(refit=...)`` with ``fill="interpolate"``: a refit sees only the rows before its window.

The fill ran over the whole table, so a gap just before a window was interpolated toward the window's
first actual, and the refit trained on values drawn from the rows it then forecast. Each refit now
refills its filled cells from its own rows (interpolated inside them, carried forward at the end).
On real ETTh1 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster

LOOKBACK, HORIZON = 48, 12
GAP = slice(1482, 1488)  # the 6 rows just before the one window (rows 1488-1499) of a 1,500-row backtest
INSIDE = slice(700, 706)  # a gap well inside the refit's rows


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1's oil temperature, the first 1,500 hourly rows, with two gaps of 6 rows."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1500]
    frame = frame[["date", "OT"]].copy()
    frame.loc[frame.index[GAP], "OT"] = np.nan
    frame.loc[frame.index[INSIDE], "OT"] = np.nan
    return frame


@pytest.fixture
def refit_frames(monkeypatch) -> list[pd.DataFrame]:
    """The data frame of every model trained while the test runs (the refits)."""
    frames: list[pd.DataFrame] = []
    train = Forecaster._train

    def spy(self, datamodule, resume=False):
        frames.append(datamodule.frame.copy())
        return train(self, datamodule, resume)

    monkeypatch.setattr(Forecaster, "_train", spy)
    return frames


def test_a_refit_never_trains_on_values_filled_from_its_window(ett, tmp_path, refit_frames, single_thread):
    fitted = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                        out_dir=str(tmp_path), trainer_options={"limit_train_batches": 5})  # fmt: skip
    fitted.fit(ett, fill="interpolate")
    other = ett.copy()
    other.loc[other.index[GAP.stop :], "OT"] += 10.0  # the window's values changed, nothing before it
    first = fitted.backtest(ett, n_windows=1, refit=True)
    second = fitted.backtest(other, n_windows=1, refit=True)
    assert len(refit_frames) == 3  # the fit, a refit per backtest
    seen, seen_other = refit_frames[1]["OT"], refit_frames[2]["OT"]
    assert len(seen) == GAP.stop  # the rows before the window
    pd.testing.assert_series_equal(seen, seen_other)  # the refit's rows do not depend on the window
    observed = ett["OT"].to_numpy()
    # at the end of its rows the gap is carried forward from the last observed value ...
    assert seen.iloc[GAP].tolist() == [observed[GAP.start - 1]] * 6
    # ... inside them it is interpolated as the fit did
    pd.testing.assert_series_equal(seen.iloc[INSIDE], refit_frames[0]["OT"].iloc[INSIDE])
    assert seen.iloc[INSIDE].nunique() == 6
    # the forecasts differ only through the window's own inputs: none (its inputs end before it)
    assert first["OT"].tolist() == pytest.approx(second["OT"].tolist())
    assert first["OT_actual"].tolist() == pytest.approx((second["OT_actual"] - 10.0).tolist())


def test_a_backtest_window_reads_no_values_filled_from_itself(ett, tmp_path, single_thread):
    """Without refits too: a window's inputs that end in a gap carry the last observed value forward."""
    fitted = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                        out_dir=str(tmp_path), trainer_options={"limit_train_batches": 5})  # fmt: skip
    fitted.fit(ett, fill="interpolate")
    other = ett.copy()
    other.loc[other.index[GAP.stop :], "OT"] += 10.0
    first, second = fitted.backtest(ett, n_windows=1), fitted.backtest(other, n_windows=1)
    assert first["OT"].tolist() == pytest.approx(second["OT"].tolist())
