"""``Forecaster.backtest(..., refit=...)`` on real ETTh1 rows: models refitted as the cutoff moves.

Each refit trains a fresh model with the Forecaster's settings on the rows before its window (a
train/validation split of them, the scaler fitted on the training rows only); ``refit=False``
is the backtest with the fitted model as before, and the fitted model is never touched.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import ConfigError, DataError

LOOKBACK, HORIZON, N_WINDOWS = 48, 12, 4
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}
RTOL = 1e-6  # a window forecast alone or in a batch: float32 sums in another order


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1's oil temperature, the first 1,500 hourly rows."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"])
    return frame.iloc[:1500][["date", "OT"]]


def fit_small(data: pd.DataFrame, tmp_path_factory) -> Forecaster:
    """The small NLinear (quantiles 0.1/0.9, one epoch) the refit tests backtest, fitted on ``data``."""
    torch.set_num_threads(1)
    return Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
        log_to_mlflow=False, out_dir=str(tmp_path_factory.mktemp("out")), trainer_options=QUIET,
    ).fit(data)  # fmt: skip


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> Forecaster:
    return fit_small(ett, tmp_path_factory)


def first_rows(ett: pd.DataFrame, n_windows: int = N_WINDOWS, step: int = HORIZON) -> list[int]:
    """The first forecast row of each backtest window, as the docstring places them."""
    return [len(ett) - HORIZON - (n_windows - 1 - i) * step for i in range(n_windows)]


def test_refit_false_is_the_backtest_of_the_fitted_model(fitted, ett, fits):
    before = fitted.backtest(ett, n_windows=N_WINDOWS, level=80)
    after = fitted.backtest(ett, n_windows=N_WINDOWS, level=80, refit=False)
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    assert not fits
    # each window is the fitted model's forecast from the rows before it
    for i, row in enumerate(first_rows(ett)):
        window = after.iloc[i * HORIZON : (i + 1) * HORIZON]
        np.testing.assert_allclose(window["OT"], fitted.predict(ett.iloc[:row])["OT"], rtol=RTOL)


def test_refit_true_fits_each_window_on_the_rows_before_it_only(fitted, ett, fits):
    backtest = fitted.backtest(ett, n_windows=N_WINDOWS, refit=True, level=80)
    assert len(fits) == N_WINDOWS
    values = ett["OT"].to_numpy()
    for i, ((refitted, module), row) in enumerate(zip(fits, first_rows(ett), strict=True)):
        assert module.frame["date"].max() == ett["date"].iloc[row - 1]  # the cutoff, nothing later
        # train:validation 7:1 as the "standard" split's 70% / 10%, no test rows
        train_end = int(7 / 8 * row)
        assert (module.bounds.train_end, module.bounds.val_end, module.bounds.test_end) == (
            train_end,
            row,
            row,
        )
        # the scaler saw the prefix's training rows: not the validation rows, nor the window's actuals
        scaler_mean = refitted.task_.scaler_mean.item()
        assert scaler_mean == pytest.approx(values[:train_end].mean(), rel=1e-12)
        assert abs(scaler_mean - values[:row].mean()) > 1e-3  # a leak into validation would show
        window = backtest.iloc[i * HORIZON : (i + 1) * HORIZON].reset_index(drop=True)
        own = refitted.predict(ett.iloc[:row], level=80)  # intervals from its own calibration
        for column in ("OT", "OT_q0.1", "OT_q0.9", "OT_lo-80", "OT_hi-80"):
            np.testing.assert_allclose(window[column], own[column], rtol=RTOL, err_msg=f"window {i} {column}")
        assert window["cutoff"].eq(ett["date"].iloc[row - 1]).all()
    # refitted models differ from the fitted one (a refit silently skipped would not)
    fixed = fitted.backtest(ett, n_windows=N_WINDOWS)
    assert not np.allclose(fixed["OT"], backtest["OT"])
    assert list(backtest.columns) == [*fixed.columns, "OT_lo-80", "OT_hi-80"]


def test_refit_every_k_windows_fits_half_as_often(fitted, ett, fits):
    backtest = fitted.backtest(ett, n_windows=N_WINDOWS, refit=2)
    assert len(fits) == math.ceil(N_WINDOWS / 2)
    rows = first_rows(ett)
    for k, (refitted, module) in enumerate(fits):
        assert len(module.frame) == rows[2 * k]  # refitted before windows 1 and 3
        for i in (2 * k, 2 * k + 1):  # and forecasts them and the next
            own = refitted.predict(ett.iloc[: rows[i]])
            window = backtest.iloc[i * HORIZON : (i + 1) * HORIZON]
            np.testing.assert_allclose(window["OT"], own["OT"], rtol=RTOL)
    fits.clear()
    fitted.backtest(ett, n_windows=3, refit=2)  # an odd count: the last refit forecasts one window
    assert len(fits) == 2


def test_the_fitted_model_and_its_folder_are_left_as_they_were(fitted, ett):
    forecast = fitted.predict(level=80)
    state = {k: v.clone() for k, v in fitted.task_.state_dict().items()}
    files = sorted(p.relative_to(fitted.out_dir_) for p in fitted.out_dir_.rglob("*"))
    attributes = (fitted.out_dir_, fitted.best_checkpoint_, fitted.conformal_, fitted.metrics_.copy())
    fitted.backtest(ett, n_windows=2, refit=True, level=80)
    pd.testing.assert_frame_equal(fitted.predict(level=80), forecast, check_exact=True)
    for key, value in fitted.task_.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert sorted(p.relative_to(fitted.out_dir_) for p in fitted.out_dir_.rglob("*")) == files
    assert (fitted.out_dir_, fitted.best_checkpoint_, fitted.conformal_, fitted.metrics_) == attributes


def test_long_layout_with_refit_is_scored_by_evaluate(fitted, ett):
    long = fitted.backtest(ett, n_windows=2, refit=True, long=True, level=80)
    wide = fitted.backtest(ett, n_windows=2, refit=True, level=80)
    assert list(long.columns[:4]) == ["cutoff", "unique_id", "date", "y"]
    np.testing.assert_allclose(long["y_lo-80"], wide["OT_lo-80"], rtol=RTOL)
    by_long = evaluate(long, train=ett.assign(unique_id="OT").rename(columns={"OT": "y"}))
    by_wide = evaluate(wide, train=ett)
    pd.testing.assert_frame_equal(by_long.drop(columns="series"), by_wide.drop(columns="series"))


@pytest.mark.parametrize("refit", ["yes", 0, -2, 1.5, None])
def test_refit_must_be_a_bool_or_a_positive_whole_number(fitted, ett, fits, refit):
    with pytest.raises(ConfigError, match=r"refit=.*True \(refit before every window\) or a positive whole"):
        fitted.backtest(ett, n_windows=2, refit=refit)
    assert not fits


def test_too_few_rows_before_the_first_window_names_it_and_the_rows_needed(fitted, ett, fits):
    # 20 windows every 12 rows of 300: the first starts at row 60, and a refit needs a training
    # window (lookback 48 + horizon 12 rows) in 7/8 of its rows and 12 validation rows: 89 rows (77 + 12)
    with pytest.raises(DataError) as error:
        fitted.backtest(ett.iloc[:300], n_windows=20, refit=True)
    message = str(error.value)
    assert (
        "window 1 (first forecast at 2016-07-03 12:00:00) has 60 rows before it, and a refit needs 89"
        in message
    )
    assert (
        "lookback 48 + horizon 12 rows in its training rows (77 of 89" in message and "refit=False" in message
    )
    assert not fits
    # one row fewer than needed fails, the rows needed fit
    with pytest.raises(DataError, match="has 88 rows before it, and a refit needs 89"):
        fitted.backtest(ett.iloc[: 88 + HORIZON], n_windows=1, refit=True)
    fitted.backtest(ett.iloc[: 89 + HORIZON], n_windows=1, refit=True)
    assert len(fits) == 1


def test_refits_log_no_mlflow_runs(ett, tmp_path):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'refit.db'}"
    model = Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, tracking_uri=uri,
        experiment="refit", out_dir=str(tmp_path / "out"), trainer_options=QUIET,
    ).fit(ett)  # fmt: skip
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("refit").experiment_id
    model.backtest(ett, n_windows=2, refit=True)
    assert [run.info.run_id for run in client.search_runs([experiment])] == [model.run_id_]
