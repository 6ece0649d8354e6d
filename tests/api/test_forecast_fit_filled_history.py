"""Fitting (or tuning) on a fitted ``Forecaster.history_`` keeps its record of the values ``fill=``
invented: the frame's gaps are filled already, so reading it again finds none, but the invented
values are still no data. The fit trains and scores on exactly the cells a fit on the raw CSV does.

Real data: the weekly Mauna Loa CO2 record (59 missing weeks, filled by ``fill="interpolate"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.datasets import write_co2_csv
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets, load_series
from ssm_ts.pipelines.forecasting.fills import refill_before

LOOKBACK, HORIZON = 52, 13
READ = dict(time_col="date", target="co2")
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


def forecaster(folder) -> Forecaster:
    return Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, seed=0,
                      log_to_mlflow=False, out_dir=str(folder), trainer_options=QUIET)  # fmt: skip


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("co2")
    path = write_co2_csv(folder / "co2.csv")
    fc = forecaster(folder / "csv").fit(path, **READ, fill="interpolate")
    return fc, path, folder


def module(data, fill: str | None = "interpolate") -> ForecastDataModule:
    return ForecastDataModule.from_frame(data, **READ, fill=fill, lookback=LOOKBACK, horizon=HORIZON)


@pytest.mark.parametrize("fill", ["interpolate", None])
def test_a_module_on_history_masks_exactly_the_recorded_cells(fitted, fill):
    fc, path, _ = fitted
    from_csv = ForecastDataModule(
        path=str(path), **READ, fill="interpolate", lookback=LOOKBACK, horizon=HORIZON
    )
    assert from_csv.observed_targets is not None and (~from_csv.observed_targets).sum() == 59
    again = module(fc.history_, fill)
    assert again.observed_targets is not None
    np.testing.assert_array_equal(again.observed_targets, from_csv.observed_targets)
    np.testing.assert_array_equal(again.observed_targets, ~filled_targets(fc.history_, fc.spec_))
    # a slice of it finds its own recorded cells; a gap cut into it is filled and recorded as well
    part = fc.history_.iloc[:1500].copy()
    part.loc[10, "co2"] = np.nan
    sliced = module(part)
    expected = ~filled_targets(fc.history_, fc.spec_)[:1500]
    expected[10] = False
    np.testing.assert_array_equal(sliced.observed_targets, expected)


def test_fitting_on_history_is_fitting_on_the_raw_csv(fitted):
    fc, _, folder = fitted
    again = forecaster(folder / "history").fit(fc.history_, **READ, fill="interpolate")
    assert again.metrics_ == fc.metrics_  # same rows, same masks, same seed: the same fit
    # without fill= the recorded cells are masked too (the values are the same, only the spec differs)
    strict = forecaster(folder / "strict").fit(fc.history_, **READ)
    assert strict.spec_.fill is None
    assert strict.metrics_ == pytest.approx(fc.metrics_, rel=1e-6)
    # its own history_ keeps the record in turn, for the next fit, backtest or score
    for refitted in (again, strict):
        np.testing.assert_array_equal(
            filled_targets(refitted.history_, refitted.spec_), filled_targets(fc.history_, fc.spec_)
        )


def test_tuning_on_history_is_tuning_on_the_raw_csv(fitted):
    fc, path, folder = fitted
    settings = dict(**READ, fill="interpolate", n_trials=1, model="nlinear", lookback=LOOKBACK, horizon=HORIZON,
                    max_epochs=1, seed=0, log_to_mlflow=False, trainer_options=QUIET)  # fmt: skip
    on_csv = tune_forecaster(path, {"lr": [1e-3]}, out_dir=str(folder / "tune_csv"), **settings)
    on_history = tune_forecaster(
        fc.history_, {"lr": [1e-3]}, out_dir=str(folder / "tune_history"), **settings
    )
    assert on_history.best_val_loss == on_csv.best_val_loss
    assert on_history.best.metrics_ == on_csv.best.metrics_


def test_a_refit_of_a_frame_read_without_fill_refills_with_the_given_policy(fitted):
    """``refill_before`` (a backtest refit) of a ``fill="ffill"`` frame read again without ``fill=``: the
    recorded cells are refilled by the policy that invented them (ffill: the values they hold), not
    interpolated."""
    _, path, _ = fitted
    ffilled, _ = load_series(path, **READ, fill="ffill")
    strict, spec = load_series(ffilled, **READ)
    assert spec.fill is None
    gap = np.flatnonzero(filled_targets(strict, spec)[:, 0])
    assert set(range(1357, 1361)) <= set(gap)  # an inner gap before the cutoff
    firsts = np.array([1400])
    refilled = refill_before(strict.iloc[:1400].copy(), spec, firsts)
    pd.testing.assert_series_equal(refilled["co2"], ffilled["co2"].iloc[:1400])
    interpolated, _ = load_series(path, **READ, fill="interpolate")
    assert not np.allclose(refilled["co2"].iloc[1357:1361], interpolated["co2"].iloc[1357:1361])
