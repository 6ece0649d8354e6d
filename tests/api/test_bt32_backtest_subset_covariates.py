"""``backtest`` of some series of a long table with a known-future covariate series whose last rows
lie past the targets' end (tests/api/test_fc32_ragged_covariates.py's panel): those rows are future
rows, dropped as in the backtest of every series, so the given series' windows (cutoffs included)
are their rows of the full backtest. Kept, they moved the windows of a series that ends early."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.api.test_fc32_ragged_covariates import panel, untrained  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.filterwarnings("ignore:.*treated as future rows:UserWarning")


@pytest.mark.parametrize("ids", [["s2", "x"], ["s0", "s2", "x"]], ids=["ends-early", "ragged"])
def test_some_series_with_the_covariate_are_backtested_as_beside_the_others(untrained, panel, ids):  # noqa: F811
    full = untrained.backtest(panel, n_windows=3)
    some = untrained.backtest(panel[panel["unique_id"].isin(ids)], n_windows=3)
    expected = full[full["unique_id"].isin(ids)].reset_index(drop=True)
    assert len(expected) == (len(ids) - 1) * 3 * 4  # x is a covariate: no rows of its own
    pd.testing.assert_frame_equal(some, expected)
