"""``Forecaster.backtest(..., refit=True)`` on a ragged panel: real ETTh1 series of a long table that
start and end at different times, each refitted on its own rows before its own cutoff."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import DataError
from tests.api.test_forecaster_ragged import SPANS, ragged_table
from tests.api.test_forecaster_refit import HORIZON, LOOKBACK, QUIET, fit_small

N_WINDOWS = 3
# MUFL ends at row 930 of 1,200: before the others' windows, and before each refit's validation rows
RAGGED = {**SPANS, "MUFL": (0, 930)}


@pytest.fixture(scope="module")
def data(ett) -> pd.DataFrame:
    return ragged_table(ett, RAGGED)


@pytest.fixture(scope="module")
def fitted(data, tmp_path_factory) -> Forecaster:
    return fit_small(data, tmp_path_factory)


def test_each_refit_sees_each_series_up_to_its_own_cutoff_only(fitted, data, ett, fits):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backtest = fitted.backtest(data, n_windows=N_WINDOWS, refit=True, level=80)
    assert len(fits) == N_WINDOWS
    # windows, cutoffs and actuals as the backtest without refits places them: per series, from its own end
    plain = fitted.backtest(data, n_windows=N_WINDOWS)
    keys = ["cutoff", "unique_id", "ds", "y_actual"]
    pd.testing.assert_frame_equal(backtest[keys], plain[keys], check_exact=True)
    assert not np.allclose(backtest["y"], plain["y"])  # forecast by other models
    for i, (refitted, module) in enumerate(fits):
        train_end = module.bounds.train_end
        assert module.bounds.val_end == module.bounds.test_end == len(module.frame)
        assert train_end == int(7 / 8 * len(module.frame))  # the standard split's 70% : 10%
        cuts = {}
        for j, name in enumerate(module.spec.targets):
            first, end = RAGGED[name]
            cutoff = end - 1 - HORIZON * (N_WINDOWS - i)  # the row before window i of this series
            cuts[name] = ett["date"].iloc[cutoff]
            own = backtest[(backtest["unique_id"] == name) & (backtest["cutoff"] == cuts[name])]
            assert len(own) == HORIZON
            # its data: its own rows up to its own cutoff, nothing later
            seen = module.frame[name]
            assert (module.spans.first[j], module.spans.last[j]) == (first, cutoff)
            np.testing.assert_array_equal(seen.iloc[first : cutoff + 1], ett[name].iloc[first : cutoff + 1])
            assert seen.iloc[cutoff + 1 :].isna().all()
            # its scaler: its own training rows of the refit (not validation rows, not the window's actuals)
            rows = ett[name].iloc[first : min(cutoff + 1, train_end)].to_numpy()
            assert refitted.task_.scaler_mean[j].item() == pytest.approx(rows.mean(), rel=1e-12)
            assert refitted.task_.scaler_scale[j].item() == pytest.approx(rows.std(), rel=1e-12)
        # the refit's forecasts are its own predict() from each series cut at its cutoff
        cut = data[data["ds"] <= data["unique_id"].map(cuts)]
        own = refitted.predict(cut, level=80)
        window = backtest[backtest["cutoff"] == backtest["unique_id"].map(cuts)]
        for column in ("ds", "y", "y_q0.1", "y_q0.9", "y_lo-80", "y_hi-80"):
            np.testing.assert_allclose(window[column].to_numpy(dtype="float64"),
                                       own[column].to_numpy(dtype="float64"), rtol=1e-6, err_msg=column)  # fmt: skip
    # MUFL ends before each refit's validation rows: no calibration windows, NaN intervals, one warning a refit
    mufl = backtest["unique_id"] == "MUFL"
    assert backtest.loc[mufl, ["y_lo-80", "y_hi-80"]].isna().all().all()
    assert backtest.loc[~mufl, ["y_lo-80", "y_hi-80"]].notna().all().all()
    said = [w for w in caught if "'MUFL' has no held-out calibration window" in str(w.message)]
    assert [f"of the refit before window {i}):" in str(w.message) for i, w in enumerate(said, 1)] == [
        True
    ] * 3
    assert {w.filename for w in said} == {__file__}  # the warning points at the backtest call
    scores = evaluate(backtest, train=data).set_index("series")
    assert scores.loc["MUFL", "n_no_interval"] == N_WINDOWS * HORIZON and np.isnan(
        scores.loc["MUFL", "coverage_level80"]
    )
    assert (
        np.isfinite(scores.loc[["HUFL", "LUFL", "OT", "all"], ["mae", "mase", "coverage_level80"]])
        .all()
        .all()
    )
    wide = fitted.backtest(data, n_windows=N_WINDOWS, refit=True, level=80, long=False)
    pd.testing.assert_frame_equal(evaluate(wide, train=data), evaluate(backtest, train=data))


def test_refit_every_two_windows_on_a_ragged_panel(fitted, data, fits):
    backtest = fitted.backtest(data, n_windows=N_WINDOWS, refit=2)
    assert len(fits) == 2
    assert [int(module.spans.last[3]) for _, module in fits] == [1200 - 1 - HORIZON * 3, 1200 - 1 - HORIZON]
    assert backtest.groupby("unique_id").size().tolist() == [N_WINDOWS * HORIZON] * 4


def test_a_series_without_a_training_window_in_the_first_refit_is_named(ett, tmp_path, fits):
    # LUFL starts at row 600: the fit has its windows, but 40 windows every 12 rows leave the first
    # refit 720 rows, 630 of them training rows, and LUFL only 30 of those
    late = ragged_table(ett, {**SPANS, "LUFL": (600, 1200)})
    model = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path), trainer_options=QUIET).fit(late)  # fmt: skip
    fits.clear()
    assert len(model.backtest(late, n_windows=40)) == 4 * 40 * HORIZON  # without refits: fine
    with pytest.raises(DataError) as error:
        model.backtest(late, n_windows=40, refit=True)
    message = str(error.value)
    assert message.startswith(
        "backtest(refit=...): the refit before window 1 trains on the first 630 of 720 rows"
    )
    assert (
        "1 of 4 series have no training window of lookback 48 + horizon 12 rows there: 'LUFL' (30 rows"
        in message
    )
    assert "refit=False" in message
    assert "none can be left out" in message and "leave those series out" not in message
    assert not fits
