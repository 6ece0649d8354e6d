"""``backtest`` of a long table holding only some of the fitted series, as neuralforecast's
``cross_validation(df)`` backtests the ids of ``df`` (and ``predict`` forecasts some series,
tests/api/test_fc32_predict_subset.py): a channel-independent model backtests those series, their rows
of the backtest of every series. Before, every fitted series had to be given ("series ['b'] not found
... give rows of each"). An untrained model is enough: the rows must be equal."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from tests.api.test_fc32_predict_subset import calibrated, panel  # noqa: F401 (panel: the fixture)

N_WINDOWS = 3


@pytest.fixture(scope="module")
def model(panel) -> Forecaster:  # noqa: F811
    return calibrated(panel)


@pytest.mark.parametrize("ids", [["c", "a"], ["a", "b"]], ids=["ragged", "even"])
def test_a_subset_of_the_series_is_backtested_as_beside_the_others(model, panel, ids):  # noqa: F811
    """c ends 5 rows early: a and c are a ragged panel (windows per series), a and b an even one
    (windows of the table's end) whose rows still equal those of the full, ragged, backtest."""
    some_rows = panel[panel["unique_id"].isin(ids)]
    full = model.backtest(panel, n_windows=N_WINDOWS, level=[80])
    some = model.backtest(some_rows, n_windows=N_WINDOWS, level=[80])
    expected = full[full["unique_id"].isin(ids)].reset_index(drop=True)
    assert len(expected) == len(ids) * N_WINDOWS * 4
    pd.testing.assert_frame_equal(some, expected)  # forecasts, intervals, actuals, cutoffs
    wide = model.backtest(some_rows, n_windows=N_WINDOWS, level=[80], long=False)
    full_wide = model.backtest(panel, n_windows=N_WINDOWS, level=[80], long=False)
    kept = full_wide[list(wide.columns)].dropna(subset=sorted(ids), how="all").reset_index(drop=True)
    pd.testing.assert_frame_equal(wide, kept)


def test_a_series_the_model_was_not_fitted_on_is_named_in_a_warning(model, panel):  # noqa: F811
    new = panel[panel["unique_id"] == "a"].assign(unique_id="new")
    with pytest.warns(
        UserWarning, match=r"series \['new'\] is not among those the model was fitted to forecast"
    ):
        backtest = model.backtest(pd.concat([panel[panel["unique_id"] == "b"], new]), n_windows=2)
    assert backtest["unique_id"].unique().tolist() == ["b"]


def test_refit_and_a_multivariate_model_still_need_every_series(model, panel):  # noqa: F811
    """A refit trains on every series (on some it is another model); a multivariate model reads them
    at once. Both say so before any training."""
    with pytest.raises(DataError, match=r"backtest\(refit=\.\.\.\): the DataFrame has no rows of the series "
                                        r"\['b', 'c'\] \(unique_id\), and a refit trains on every series .*"
                                        r"backtest just these series with the fitted model \(refit=False\)"):  # fmt: skip
        model.backtest(panel[panel["unique_id"] == "a"], n_windows=2, refit=True)
    even = panel[panel["ds"] < "2021-07-15"]  # a multivariate model reads one joint window: no ragged ends
    with pytest.raises(DataError, match=r"series \['b', 'c'\] not found in the DataFrame.*give rows of each"):
        calibrated(even, channel_independent=False).backtest(even[even["unique_id"] == "a"], n_windows=2)


def test_a_series_too_short_for_the_windows_is_named_not_the_stand_in(model, panel):  # noqa: F811
    """The absent series b is read as a copy of a (the first given one): a short a is named, b is not."""
    short_a = panel[
        (panel["unique_id"] == "c") | ((panel["unique_id"] == "a") & (panel["ds"] >= "2021-02-15"))
    ]
    with pytest.raises(DataError, match=r"need 176 rows of each series \(lookback 16 included\); 1 series have "
                                        r"fewer: 'a' \(155 rows"):  # fmt: skip
        model.backtest(short_a, n_windows=40)
