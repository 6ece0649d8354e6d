"""Filled covariates (``fill="interpolate"``) in backtests, refits and calibration: no look-ahead.

The fill runs over the whole table before a backtest cuts it, so a covariate's gap just before a
window was interpolated toward its value inside the window. Per covariate kind:

- past covariates (known up to the cutoff only): a window's inputs that end in filled rows carry the
  last observed value forward, as a forecast from that cutoff would;
- known-future covariates (known over the horizon): read inside the window as before, but never
  beyond its last forecast row;
- a refit's rows are refilled from its own rows, every column (nothing after its cutoff);
- ``fill="ffill"`` never looked ahead: bit-identical with or without these steps.

On real ETTh1 rows: OT the target, HUFL and MUFL past covariates, LUFL a known-future covariate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api import forecast_backtest, forecast_refit
from ssm_ts.api.forecaster import validation_scores
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule

LOOKBACK, HORIZON, ROWS = 48, 12, 1500
GAP = slice(1482, 1488)  # the 6 rows just before the one window (rows 1488-1499) of a 1,500-row backtest
INSIDE = slice(700, 706)  # a gap well inside a refit's rows
PAST, FUTURE = ["HUFL", "MUFL"], ["LUFL"]
QUIET = {"enable_progress_bar": False, "enable_model_summary": False, "limit_train_batches": 5}


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """The first 1,500 hourly ETTh1 rows; the covariates empty at GAP and INSIDE (OT observed)."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:ROWS]
    frame = frame[["date", "OT", *PAST, *FUTURE]].copy()
    for rows in (GAP, INSIDE):
        frame.loc[frame.index[rows], PAST + FUTURE] = np.nan
    return frame


def shifted(frame: pd.DataFrame, start: int, columns: list[str], by: float = 10.0) -> pd.DataFrame:
    """``frame`` with ``columns`` changed from row ``start`` on (the window's rows), nothing before."""
    other = frame.copy()
    other.loc[other.index[start:], columns] += by
    return other


def fit_small(data: pd.DataFrame, folder, fill: str = "interpolate", **columns) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
                      log_to_mlflow=False, out_dir=str(folder), trainer_options=QUIET,
                      ).fit(data, fill=fill, **columns)  # fmt: skip


@pytest.fixture(scope="module")
def past_data(ett) -> pd.DataFrame:
    return ett[["date", "OT", *PAST]]


@pytest.fixture(scope="module")
def past_model(past_data, tmp_path_factory) -> Forecaster:
    return fit_small(past_data, tmp_path_factory.mktemp("past"), past_covariates=PAST)


@pytest.fixture(scope="module")
def future_data(ett) -> pd.DataFrame:
    return ett[["date", "OT", *FUTURE]]


@pytest.fixture(scope="module")
def future_model(future_data, tmp_path_factory) -> Forecaster:
    return fit_small(future_data, tmp_path_factory.mktemp("future"), future_covariates=FUTURE)


def window_inputs_seen(forecaster: Forecaster, monkeypatch) -> list[np.ndarray]:
    """The inputs ``x (n_windows, lookback, n_channels)`` the fitted model forecasts from, per call."""
    seen: list[np.ndarray] = []
    task = forecaster.task_
    forecast = task.forecast

    def spy(x, *args, **kwargs):
        seen.append(x.detach().numpy().copy())
        return forecast(x, *args, **kwargs)

    monkeypatch.setattr(task, "forecast", spy)
    return seen


@pytest.mark.parametrize("gap", ["cells", "rows"])
def test_a_window_reads_no_past_covariate_value_filled_from_itself(past_model, past_data, gap, monkeypatch):
    """``refit=False``: a gap of the covariates (``cells``) or of whole rows cut out (``rows``: targets
    and covariates) just before the window ends its inputs with the last observed values."""
    data = past_data if gap == "cells" else past_data.drop(index=past_data.index[GAP])
    changed = shifted(data, GAP.start if gap == "rows" else GAP.stop, ["OT", *PAST])
    seen = window_inputs_seen(past_model, monkeypatch)
    first, second = past_model.backtest(data, n_windows=1), past_model.backtest(changed, n_windows=1)
    np.testing.assert_array_equal(first["OT"], second["OT"])  # the window's values are not its inputs
    np.testing.assert_array_equal(seen[0], seen[1])
    observed = past_data[["OT", *PAST]].to_numpy()
    x = seen[0][0]  # (lookback, 3): OT, HUFL, MUFL of rows 1440-1487
    np.testing.assert_array_equal(x[-6:, 1:], np.repeat(observed[GAP.start - 1 : GAP.start, 1:], 6, axis=0))
    np.testing.assert_array_equal(x[:-6], observed[GAP.start - LOOKBACK + 6 : GAP.start])


def test_a_refit_trains_on_no_past_covariate_value_filled_from_its_window(past_model, past_data, fits):
    first = past_model.backtest(past_data, n_windows=1, refit=True)
    second = past_model.backtest(shifted(past_data, GAP.stop, ["OT", *PAST]), n_windows=1, refit=True)
    assert len(fits) == 2  # a refit per backtest
    seen, seen_changed = fits[0][1].frame, fits[1][1].frame
    assert len(seen) == GAP.stop  # the rows before the window
    pd.testing.assert_frame_equal(seen, seen_changed, check_exact=True)  # nothing of the window
    observed = past_data[PAST].to_numpy()
    # at the end of its rows the gap is carried forward from the last observed value ...
    np.testing.assert_array_equal(
        seen[PAST].iloc[GAP].to_numpy(), np.repeat(observed[GAP.start - 1][None], 6, 0)
    )
    # ... inside them it is interpolated as the fit did
    pd.testing.assert_frame_equal(
        seen[PAST].iloc[INSIDE], past_model.history_[PAST].iloc[INSIDE], check_exact=True
    )
    assert seen["HUFL"].iloc[INSIDE].nunique() == 6
    np.testing.assert_allclose(first["OT"], second["OT"], rtol=1e-12)


def test_known_future_covariates_are_read_over_the_window_as_before(future_model, future_data, monkeypatch):
    """The gap just before the window is interpolated toward the window's own (known) values, as the
    whole-table fill did, and those values are inputs: changing them changes the forecast."""
    seen = window_inputs_seen(future_model, monkeypatch)
    first = future_model.backtest(future_data, n_windows=1)
    changed = future_model.backtest(shifted(future_data, GAP.stop, FUTURE), n_windows=1)
    assert not np.allclose(first["OT"], changed["OT"])
    filled = future_model.history_["LUFL"].to_numpy()  # the fit's whole-table interpolation
    # LUFL rides HORIZON rows early: input row r holds LUFL of row r + HORIZON, the window's rows last
    x = seen[0][0, :, 1]
    np.testing.assert_array_equal(x, filled[GAP.stop - LOOKBACK + HORIZON : GAP.stop + HORIZON])
    assert len(np.unique(x[LOOKBACK - HORIZON - 6 : LOOKBACK - HORIZON])) == 6  # interpolated, not carried


def test_known_future_covariates_are_not_read_beyond_the_window(future_model, future_data, monkeypatch):
    """A gap over a window's last forecast rows is not interpolated toward the rows after it (a forecast
    there knows the covariates of its horizon, not later): carried from the last known value."""
    seen = window_inputs_seen(future_model, monkeypatch)
    first = future_model.backtest(future_data, n_windows=2)  # window 1: rows 1476-1487, GAP its last 6
    changed = future_model.backtest(shifted(future_data, GAP.stop, FUTURE), n_windows=2)
    np.testing.assert_array_equal(first["OT"].iloc[:HORIZON], changed["OT"].iloc[:HORIZON])
    assert not np.allclose(first["OT"].iloc[HORIZON:], changed["OT"].iloc[HORIZON:])  # window 2 reads them
    lufl = seen[0][0, :, 1]  # window 1: LUFL of rows 1440-1487
    np.testing.assert_array_equal(lufl[-6:], [future_data["LUFL"].iloc[GAP.start - 1]] * 6)
    np.testing.assert_array_equal(lufl[:-6], future_data["LUFL"].iloc[1440 : GAP.start])


def test_a_refit_sees_no_known_future_covariate_after_its_cutoff(future_model, future_data, fits):
    future_model.backtest(future_data, n_windows=1, refit=True)
    future_model.backtest(shifted(future_data, GAP.stop, FUTURE), n_windows=1, refit=True)
    seen, seen_changed = fits[0][1].frame, fits[1][1].frame
    assert len(seen) == GAP.stop
    pd.testing.assert_frame_equal(seen, seen_changed, check_exact=True)
    assert seen["LUFL"].iloc[GAP].tolist() == [future_data["LUFL"].iloc[GAP.start - 1]] * 6


def test_calibration_reads_no_past_covariate_value_filled_from_its_window(past_model, past_data):
    """The conformal scores: of fit's validation windows (one, right after the gap, here) and of
    ``calibrate``'s windows."""
    settings = dict(past_covariates=PAST, fill="interpolate", lookback=LOOKBACK, horizon=HORIZON,
                    boundaries=[GAP.stop, GAP.stop + HORIZON])  # fmt: skip
    changed = shifted(past_data, GAP.stop, PAST)  # the window's covariates; its actuals stay
    scores = []
    for data in (past_data, changed):
        module = ForecastDataModule.from_frame(data, **settings)
        module.setup("fit")
        assert len(module.windows("val")) == 1
        scores.append(validation_scores(past_model.task_, module))
    np.testing.assert_array_equal(scores[0].residual, scores[1].residual)
    np.testing.assert_array_equal(scores[0].cqr, scores[1].cqr)
    kept = past_model.conformal_
    try:
        calibrated = [past_model.calibrate(d, n_windows=1).conformal_ for d in (past_data, changed)]
    finally:
        past_model.conformal_ = kept
    np.testing.assert_array_equal(calibrated[0].residual, calibrated[1].residual)


def test_ffill_is_bit_identical_without_the_look_ahead_guards(ett, tmp_path, fits, monkeypatch):
    """``fill="ffill"`` reads only the past: backtests, refits and scores are exactly what they were
    before the guards (here: with the guards switched off)."""
    data = ett.drop(index=ett.index[1470:1473])  # rows cut out too: targets filled as well
    model = fit_small(data, tmp_path, fill="ffill", past_covariates=PAST, future_covariates=FUTURE)
    module = ForecastDataModule.from_frame(data, past_covariates=PAST, future_covariates=FUTURE, fill="ffill",
                                           lookback=LOOKBACK, horizon=HORIZON, boundaries=[1300, 1500])  # fmt: skip
    module.setup("fit")

    def run() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
        fits.clear()
        backtest = model.backtest(data, n_windows=3, step=4, refit=2, level=80)
        frames = pd.concat([m.frame for _, m in fits])
        return backtest, frames, validation_scores(model.task_, module).residual

    guarded = run()
    monkeypatch.setattr(forecast_backtest, "carry_trailing_fills", lambda *args, **kwargs: None)
    monkeypatch.setattr(forecast_refit, "refill_before", lambda values, *args, **kwargs: values)
    unguarded = run()
    pd.testing.assert_frame_equal(guarded[0], unguarded[0], check_exact=True)
    pd.testing.assert_frame_equal(guarded[1], unguarded[1], check_exact=True)
    np.testing.assert_array_equal(guarded[2], unguarded[2])
    assert len(fits) == 2 and fits[0][1].frame[PAST + FUTURE].notna().all().all()


def test_predict_after_a_filled_gap_carries_the_last_value(past_model, past_data):
    """At the end of the data interpolation has nothing after the gap to draw toward: the last rows
    are the last observed value carried forward, as ``ffill`` gives."""
    data = past_data.copy()
    data.loc[data.index[-4:], PAST] = np.nan
    carried = data.copy()
    carried.loc[carried.index[-4:], PAST] = data[PAST].iloc[-5].to_numpy()
    pd.testing.assert_frame_equal(past_model.predict(data), past_model.predict(carried), check_exact=True)


def test_a_refit_before_a_covariates_first_value_is_refused(past_data, tmp_path):
    """A covariate empty until the window was filled from the window's values only: a refit would
    train on them, so it is refused with the column and the fix."""
    data = past_data.copy()
    data.loc[data.index[: GAP.stop], "MUFL"] = np.nan
    model = fit_small(data, tmp_path, past_covariates=PAST)
    with pytest.raises(
        DataError,
        match=r"column 'MUFL' has no observed value up to 2016-08-31 23:00:00 \(row 1487\).*refit=False",
    ):
        model.backtest(data, n_windows=1, refit=True)
