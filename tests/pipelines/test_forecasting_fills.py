"""The fill notes cover every input column, and :mod:`ssm_ts.pipelines.forecasting.fills` keeps windows
and refits from reading cells filled from later rows. On real ETTh1 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import filled_cells, filled_targets, load_series, window_inputs
from ssm_ts.pipelines.forecasting.fills import carry_trailing_fills, readable_ends, refill_before

HORIZON, LOOKBACK = 4, 8
COLUMNS = dict(target="OT", past_covariates=["HUFL"], future_covariates=["LUFL"])


@pytest.fixture
def table(ett) -> pd.DataFrame:
    """60 rows; HUFL (past) empty at rows 20-22, LUFL (known-future) at 30-33, row 40 cut out."""
    frame = ett[["date", "OT", "HUFL", "LUFL"]].iloc[:60].copy()
    frame.loc[20:22, "HUFL"] = np.nan
    frame.loc[30:33, "LUFL"] = np.nan
    return frame.drop(index=40)


def test_the_fill_notes_name_each_filled_cell_of_every_input_column(table):
    values, spec = load_series(table, fill="interpolate", **COLUMNS)
    filled = filled_cells(values, spec)  # OT, HUFL, LUFL
    assert [np.flatnonzero(filled[:, c]).tolist() for c in range(3)] == [
        [40],
        [20, 21, 22, 40],
        [30, 31, 32, 33, 40],
    ]
    np.testing.assert_array_equal(filled_targets(values, spec), filled[:, :1])
    assert filled_cells(values, spec, ["LUFL"]).sum() == 5
    # known-future rows after the last observation (predict's input): their filled covariates are noted too
    ahead = table.copy()
    ahead.loc[ahead.index[-6:], "OT"] = np.nan
    ahead.loc[ahead.index[-3], "LUFL"] = np.nan
    future, _ = load_series(ahead, fill="interpolate", allow_future_rows=True, **COLUMNS)
    assert np.flatnonzero(filled_cells(future, spec)[:, 2]).tolist() == [30, 31, 32, 33, 40, 57]


def test_readable_ends_by_column_kind():
    _, spec = load_series(pd.DataFrame({"t": range(10), "a": 1.0, "b": 2.0, "p": 3.0, "f": 4.0}), time_col="t",
                          target=["a", "b"], past_covariates=["p"], future_covariates=["f"])  # fmt: skip
    ends = readable_ends(np.array([[10, 10], [14, 14]]), spec, HORIZON)
    np.testing.assert_array_equal(ends, [[10, 10, 10, 14], [14, 14, 14, 18]])


def test_a_window_carries_the_last_observed_value_over_the_fills_that_end_it(table):
    values, spec = load_series(table, fill="interpolate", **COLUMNS)
    inputs, _ = window_inputs(values, spec, HORIZON)
    origins = np.array([[23], [34], [45]])  # after HUFL's gap; LUFL's gap ends window 2's known rows
    x = np.stack([inputs[o - LOOKBACK : o] for o in origins[:, 0]])
    before = x.copy()
    carry_trailing_fills(x, values, spec, origins, HORIZON)
    raw = table.set_index("date").reindex(values["date"]).reset_index()
    # window 1 (rows 15-22): HUFL's last 3 rows carried from row 19; OT and LUFL as they were
    np.testing.assert_array_equal(x[0, -3:, 1], [raw["HUFL"].iloc[19]] * 3)
    np.testing.assert_array_equal(x[0, :, [0, 2]], before[0, :, [0, 2]])
    # window 2 (rows 26-33; LUFL rows 30-37): LUFL's gap is inside its known rows (34 on are known): kept
    np.testing.assert_array_equal(x[1], before[1])
    # window 3 (rows 37-44): row 40 is inside; nothing changes
    np.testing.assert_array_equal(x[2], before[2])
    # a window whose known LUFL rows end in its gap (origin 30: LUFL rows 26-33) carries it from row 29
    x = inputs[None, 30 - LOOKBACK : 30].copy()
    carry_trailing_fills(x, values, spec, np.array([[30]]), HORIZON)
    np.testing.assert_array_equal(x[0, -4:, 2], [raw["LUFL"].iloc[29]] * 4)


def test_a_refits_rows_are_refilled_from_themselves(table):
    values, spec = load_series(table, fill="interpolate", **COLUMNS)
    prefix = values.iloc[:32]  # LUFL's gap (30-33) crosses the cutoff
    refilled = refill_before(prefix, spec, np.array([32]))
    assert refilled["LUFL"].iloc[30:32].tolist() == [prefix["LUFL"].iloc[29]] * 2
    pd.testing.assert_frame_equal(
        refilled.drop(columns="LUFL"), prefix.drop(columns="LUFL"), check_exact=True
    )
    # the same as reading only those rows
    alone, _ = load_series(table.iloc[:32], fill="interpolate", **COLUMNS)
    pd.testing.assert_frame_equal(refilled, alone, check_exact=True)
    ffilled, ffill_spec = load_series(table, fill="ffill", **COLUMNS)
    pd.testing.assert_frame_equal(
        refill_before(ffilled.iloc[:32], ffill_spec, np.array([32])), ffilled.iloc[:32]
    )


def test_a_refit_with_a_column_filled_only_from_later_rows_is_refused(table):
    empty = table.copy()
    empty.loc[:25, "HUFL"] = np.nan
    values, spec = load_series(empty, fill="interpolate", **COLUMNS)
    with pytest.raises(DataError, match=r"column 'HUFL' has no observed value up to .* \(row 19\)"):
        refill_before(values.iloc[:20], spec, np.array([20]))
