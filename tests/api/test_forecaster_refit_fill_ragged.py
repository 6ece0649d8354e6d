"""``fill="interpolate"`` in a ragged panel (series of a long table, each its own span): a series' gap
just before its own window is read by none of the backtest (``refit=False`` and ``True``) or the
calibration windows: each series' cutoff is its own. On real ETTh1 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.forecaster import validation_scores
from ssm_ts.pipelines.forecasting import ForecastDataModule
from tests.api.test_forecaster_ragged import SPANS, ragged_table

LOOKBACK, HORIZON = 48, 12
GAP = range(1132, 1138)  # HUFL (rows 100-1149) loses these 6 rows, just before its own last window
HUFL = 0  # its column: the series are sorted, HUFL, LUFL, MUFL, OT


@pytest.fixture(scope="module")
def data(ett) -> pd.DataFrame:
    """The ragged long table of test_forecaster_ragged, HUFL's rows of GAP cut out."""
    table = ragged_table(ett, SPANS)
    gap = (table["unique_id"] == "HUFL") & table["ds"].isin(ett["date"].iloc[GAP.start : GAP.stop])
    return table[~gap].reset_index(drop=True)


@pytest.fixture(scope="module")
def changed(data, ett) -> pd.DataFrame:
    """HUFL's rows from its window on changed; nothing before them, no other series."""
    other = data.copy()
    after = (other["unique_id"] == "HUFL") & (other["ds"] >= ett["date"].iloc[GAP.stop])
    other.loc[after, "y"] += 10.0
    return other


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
                      log_to_mlflow=False, out_dir=str(tmp_path_factory.mktemp("out")),
                      trainer_options={"enable_progress_bar": False, "limit_train_batches": 5},
                      ).fit(data, fill="interpolate")  # fmt: skip


@pytest.fixture
def inputs_seen(fitted, monkeypatch) -> list[np.ndarray]:
    """The inputs ``x (windows, lookback, series)`` the fitted model forecasts from, per call."""
    seen: list[np.ndarray] = []
    forecast = fitted.task_.forecast

    def spy(x, *args, **kwargs):
        seen.append(x.detach().numpy().copy())
        return forecast(x, *args, **kwargs)

    monkeypatch.setattr(fitted.task_, "forecast", spy)
    return seen


def test_a_series_window_reads_no_value_filled_from_itself(fitted, data, changed, ett, inputs_seen, fits):
    first, second = fitted.backtest(data, n_windows=1), fitted.backtest(changed, n_windows=1)
    hufl = first["unique_id"] == "HUFL"
    assert first.loc[hufl, "ds"].iloc[0] == ett["date"].iloc[GAP.stop]  # its own window follows the gap
    np.testing.assert_array_equal(first["y"], second["y"])
    x = inputs_seen[0][0, :, HUFL]  # HUFL's rows 1090-1137
    np.testing.assert_array_equal(x[-6:], [ett["HUFL"].iloc[GAP.start - 1]] * 6)
    np.testing.assert_array_equal(x[:-6], ett["HUFL"].iloc[GAP.stop - LOOKBACK : GAP.start])
    # a refit: HUFL's rows end at its own cutoff, the gap carried from its last value
    fitted.backtest(data, n_windows=1, refit=True)
    fitted.backtest(changed, n_windows=1, refit=True)
    seen, seen_changed = fits[0][1].frame, fits[1][1].frame
    pd.testing.assert_frame_equal(seen, seen_changed, check_exact=True)
    assert seen["HUFL"].iloc[GAP.start : GAP.stop].tolist() == [ett["HUFL"].iloc[GAP.start - 1]] * 6
    assert seen["HUFL"].iloc[GAP.stop :].isna().all()


def test_a_calibration_window_reads_no_value_filled_from_itself(fitted, data, changed, ett, inputs_seen):
    """One validation window, the one right after HUFL's gap: its inputs are the same whatever its values."""
    for table in (data, changed):
        module = ForecastDataModule.from_frame(table, fill="interpolate", lookback=LOOKBACK, horizon=HORIZON,
                                               boundaries=[GAP.stop, GAP.stop + HORIZON])  # fmt: skip
        module.setup("fit")
        assert module.ragged and len(module.windows("val")) == 1
        validation_scores(fitted.task_, module)
    np.testing.assert_array_equal(inputs_seen[0], inputs_seen[1])
    np.testing.assert_array_equal(inputs_seen[0][0, -6:, HUFL], [ett["HUFL"].iloc[GAP.start - 1]] * 6)
