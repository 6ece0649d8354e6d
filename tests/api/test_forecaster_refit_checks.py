"""``Forecaster.backtest(refit=..., level=...)`` refuses what it can know before training: an interval
method the refits' quantiles cannot give, and a level the first refit's calibration windows (the
fewest of any refit) cannot reach. Real ETTh1 rows, zero refits trained before each error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError
from tests.api.test_forecaster_ragged import ragged_table
from tests.api.test_forecaster_refit import HORIZON, LOOKBACK, QUIET, fit_small
from tests.api.test_forecaster_refit_ragged import RAGGED


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1, the first 1,500 hourly rows (all seven series: the ragged panel takes four)."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1500]


@pytest.fixture(scope="module")
def quantile_model(ett, tmp_path_factory) -> Forecaster:
    return fit_small(ett[["date", "OT"]], tmp_path_factory)


@pytest.fixture(scope="module")
def point_model(ett, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
        out_dir=str(tmp_path_factory.mktemp("out")), trainer_options=QUIET,
    ).fit(ett[["date", "OT"]])  # fmt: skip


def refit_windows(rows: int) -> int:
    """Validation windows of a refit on the ``rows`` rows before its window: 7/8 of them training rows
    (the standard split's 70% : 10%), a window for each start whose horizon lies in the rest."""
    return rows - HORIZON + 1 - int(7 / 8 * rows)


@pytest.mark.parametrize("refit", [True, 2])
def test_cqr_for_a_point_model_fails_before_any_refit(point_model, ett, fits, refit):
    with pytest.raises(ConfigError, match=r"interval_method='cqr' widens learned quantile bands.*has none"):
        point_model.backtest(ett[["date", "OT"]], n_windows=4, refit=refit, level=80, interval_method="cqr")
    assert not fits


def test_an_unknown_interval_method_fails_before_any_refit(quantile_model, ett, fits):
    with pytest.raises(ConfigError, match=r"interval_method='bogus' is not one of \['residual', 'cqr'\]"):
        quantile_model.backtest(
            ett[["date", "OT"]], n_windows=4, refit=True, level=80, interval_method="bogus"
        )
    assert not fits


def test_a_level_beyond_the_first_refits_calibration_windows_fails_before_any_refit(
    quantile_model, ett, fits
):
    data = ett[["date", "OT"]]
    first_rows = len(data) - 4 * HORIZON  # before window 1 of 4, every 12 rows
    windows = refit_windows(first_rows)
    assert (first_rows, windows) == (1452, 171)  # 182 validation rows
    with pytest.raises(DataError) as error:
        quantile_model.backtest(data, n_windows=4, refit=True, level=[80, 99.5])
    assert not fits
    message = str(error.value)
    assert message.startswith(
        "backtest(refit=...): level 99.5% needs at least 199 calibration windows per horizon step and series, "
        "and the refit before window 1 (first forecast at 2016-08-30 12:00:00) would have at most 171 ('OT')"
    )
    assert "the last 182 of the 1452 rows before window 1" in message and "No refit was trained" in message
    # 1,673 rows: 1,463 training rows, 210 validation rows, 199 windows (1,672 give 198)
    assert "a level of at most 99.4" in message and "window 1 needs 1673 rows before it" in message
    assert (
        "refit=False" in message and "calibrate" not in message
    )  # Forecaster.calibrate does not feed a refit
    # the count is the refits' own: 99.4% (166 windows) passes, the first refit scored 171 and the later more
    backtest = quantile_model.backtest(data, n_windows=4, refit=2, level=99.4)
    assert [refitted.conformal_.n_windows for refitted, _ in fits] == [171, refit_windows(first_rows + 24)]
    assert backtest[["OT_lo-99.4", "OT_hi-99.4"]].notna().all().all()


def test_the_check_counts_the_windows_the_calibration_budget_keeps(ett, tmp_path, fits):
    # 12 steps x 1 series x 2 score kinds per window: a budget of 1,200 scores keeps 50 of the 171 windows
    model = Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
        log_to_mlflow=False, out_dir=str(tmp_path), trainer_options=QUIET, calibration_budget=1200,
    ).fit(ett[["date", "OT"]])  # fmt: skip
    fits.clear()
    with pytest.raises(
        DataError, match=r"would have at most 50 \('OT'\).*calibration_budget=.*keeps 50 of 171"
    ):
        model.backtest(ett[["date", "OT"]], n_windows=4, refit=True, level=99)
    assert not fits
    model.backtest(ett[["date", "OT"]], n_windows=1, refit=True, level=98)  # 49 windows: within the 50 kept
    assert [refitted.conformal_.n_windows for refitted, _ in fits] == [50]


def test_a_ragged_panel_is_checked_per_series_cut_at_its_own_cutoff(ett, tmp_path_factory, fits):
    # rows [first, end) of 1,200 per series; MUFL ends at 930, before the refits' validation rows
    data = ragged_table(ett.iloc[:1200], RAGGED)
    model = fit_small(data, tmp_path_factory)
    fits.clear()
    # the refit before window 1 has 1,164 rows (validation from 1,018): OT and LUFL get 135 windows,
    # HUFL (to 1,113) 85, MUFL none
    with pytest.raises(DataError, match=r"level 99.5% .* would have at most 135 \('LUFL'\)"):
        model.backtest(data, n_windows=3, refit=True, level=99.5)
    assert not fits
    # 99% (99 windows): OT and LUFL have them, so the refits train; HUFL and MUFL get NaN and a warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest = model.backtest(data, n_windows=3, refit=3, level=99)
    (refitted, _) = fits[0]
    scored = np.sum(~np.isnan(refitted.conformal_.residual), axis=0).min(axis=0)
    assert dict(zip(refitted.spec_.targets, scored.tolist(), strict=True)) == {
        "HUFL": 85, "LUFL": 135, "MUFL": 0, "OT": 135,
    }  # fmt: skip
    bounded = backtest.groupby("unique_id")["y_lo-99"].apply(lambda v: bool(v.notna().all())).to_dict()
    assert bounded == {"HUFL": False, "LUFL": True, "MUFL": False, "OT": True}
    (said,) = [w for w in caught if "conformal intervals left NaN" in str(w.message)]
    assert "'HUFL' has 85 calibration windows, too few for 99%" in str(said.message)
