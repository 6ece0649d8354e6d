"""The reader's checks of a table's columns run on all columns at once (a column at a time, a pandas
Series each, took about 5 s of a fit's reading at 1,000 series): each vectorised step is compared here
with the per-column code it replaced, on a random panel holding the cases that branch (codes for a
missing reading, constant and mostly-constant columns, gaps, ragged ends, inf, short columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.fill_policy import _inside_span, missing_times
from ssm_ts.pipelines.forecasting.reader import read_table
from ssm_ts.pipelines.forecasting.sentinels import _may_hold_codes, sentinel_values
from ssm_ts.pipelines.forecasting.series import load_series
from ssm_ts.pipelines.forecasting.series_features import per_series_columns
from ssm_ts.pipelines.forecasting.value_columns import numeric_column, numeric_columns


def random_block(seed: int = 0, rows: int = 120, columns: int = 60) -> np.ndarray:
    """``(rows, columns)`` floats: random walks, some with -9999 codes, constants, a few distinct values,
    gaps and ragged NaN ends, inf cells, columns with fewer than 10 values, spikes."""
    rng = np.random.default_rng(seed)
    block = rng.normal(size=(rows, columns)).cumsum(axis=0) * rng.choice([1e-3, 1.0, 1e4], size=columns)
    for j in range(columns):
        kind = j % 8
        if kind == 1:
            block[rng.integers(0, rows, 3), j] = -9999.0
        elif kind == 2:
            block[:, j] = 7.0
        elif kind == 3:
            block[:, j] = rng.choice([0.0, 1.0, 1.0, 1.0], size=rows)
            block[5, j] = 1e30
        elif kind == 4:
            block[: rng.integers(1, 40), j] = np.nan
            block[rng.integers(40, rows), j] = np.inf
        elif kind == 5:
            block[8:, j] = np.nan  # 8 values: too few to tell
        elif kind == 6:
            block[rng.integers(0, rows), j] = block[:, j].mean() + 500 * block[:, j].std()  # one spike
    return block


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_columns_left_unlooked_at_hold_no_code(seed):
    block = random_block(seed)
    looked_at = set(_may_hold_codes(block).tolist())
    found = {j for j in range(block.shape[1]) if sentinel_values(block[:, j]).size}
    assert found and found <= looked_at  # every column with a code is looked at
    assert len(looked_at) < block.shape[1]  # and the plain ones are not


def test_numeric_columns_match_the_column_at_a_time_reading():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "ds": pd.date_range("2024-01-01", periods=30, freq="D"),
            "a": rng.normal(size=30),
            "b": rng.integers(0, 9, 30),
            "c": pd.array(rng.integers(0, 9, 30), dtype="Int64"),
            "d": [f"{v:.2f}" for v in rng.normal(size=30)],
            "e": rng.normal(size=30).astype("float32"),
        }
    )
    frame.loc[3, "a"], frame.loc[4, "c"], frame.loc[5, "d"] = np.nan, pd.NA, None
    table = read_table(frame)
    columns = ["c", "a", "d", "e", "b"]
    expected = pd.DataFrame({name: numeric_column(table, name) for name in columns})
    pd.testing.assert_frame_equal(numeric_columns(table, columns), expected, check_exact=True)
    # the first column that is no number is named, in the columns' order, as before
    bad = read_table(frame.assign(f=["x"] * 30, g=[True] * 30))
    for names, named in ((["a", "f", "g"], "column 'f'"), (["g", "f"], "column 'g'")):
        with pytest.raises(DataError, match=named):
            numeric_columns(bad, names)


def test_missing_times_match_the_column_at_a_time_search():
    block = random_block(4, rows=50, columns=20)
    values = pd.DataFrame(block, columns=[f"c{j}" for j in range(20)])
    values.insert(0, "ds", pd.date_range("2024-01-01", periods=50, freq="h"))
    columns = list(values.columns[1:])
    for inside in (False, True):
        expected = {}
        for name in columns:
            column = values[name].to_numpy(dtype="float64")
            bad = ~np.isfinite(column) & (_inside_span(column) if inside else True)
            if bad.any():
                expected[name] = tuple(values["ds"].to_numpy()[bad])
        assert missing_times(values, "ds", columns, inside) == expected
        assert list(missing_times(values, "ds", columns, inside)) == list(expected)  # in the columns' order


def test_the_shared_grid_check_still_names_a_coarse_series_and_passes_ragged_ones():
    times = pd.date_range("2024-01-01", periods=48, freq="h")
    rows = [pd.DataFrame({"unique_id": f"s{i}", "ds": times[i : 48 - i], "y": np.arange(48 - 2 * i, dtype=float)})
            for i in range(5)]  # fmt: skip
    ragged = pd.concat(rows, ignore_index=True)
    gappy = ragged.drop(index=[10, 11])  # a gap inside s0: filled, not another grid
    frame, _ = load_series(gappy, fill="ffill")
    assert frame.shape == (48, 6)
    coarse = pd.concat([ragged, pd.DataFrame({"unique_id": "c", "ds": times[::2], "y": 1.0})])
    with pytest.raises(
        DataError, match=r"series 'c' .* one in 2 of the table's times.*series \['s0', 's1', 's2'\]"
    ):
        load_series(coarse, fill="ffill")


def test_per_series_columns_read_the_distinct_ids():
    frame = pd.DataFrame({"unique_id": ["a", "b", "a", "price"], "ds": [1, 1, 2, 1], "y": 1.0, "load": 2.0})
    assert per_series_columns(frame, [], "unique_id", "y") == []
    assert per_series_columns(frame, ["load", "price", "y"], "unique_id", "y") == ["load"]
