"""A DataFrame given to fit or predict is read without a copy of it: :func:`read_table` copied the
whole frame (``source.copy()``) on every read, and fit read the user's frame up to three times
(its time column, the expanded table, the rows errors name), predict twice (its series, the rows
read). Copy-on-write keeps the user's frame as it was when the table's frame is written."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.pipelines.forecasting.long_table import pivot_long
from ssm_ts.pipelines.forecasting.reader import read_table
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
from tests.memory_peak import peak_bytes


def long_frame(n_series: int = 50, rows: int = 2000) -> pd.DataFrame:
    """``unique_id, ds, y, load``: ``n_series`` series of ``rows`` hours (100,000 rows, 3 MB of numbers)."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(n_series), rows),
        "ds": np.tile(pd.date_range("2020-01-01", periods=rows, freq="h").to_numpy(), n_series),
        "y": rng.normal(size=n_series * rows),
        "load": rng.normal(size=n_series * rows),
    })  # fmt: skip


def test_a_dataframe_is_read_without_a_copy_of_it():
    frame = long_frame()
    size = int(frame.memory_usage(deep=True).sum())
    table, peak = peak_bytes(lambda: read_table(frame))
    assert peak < size / 20, (peak, size)  # was a whole copy: the frame's size
    pd.testing.assert_frame_equal(table.frame, frame)


def test_writing_into_the_table_read_leaves_the_users_frame_as_it_was():
    frame = long_frame(2, 10).rename(columns={"y": " y "})  # a name the reader strips
    before = frame.copy()
    table = read_table(frame)
    table.frame.loc[0, "y"] = 99.0
    table.frame["added"] = 1.0
    assert list(table.frame.columns) == ["unique_id", "ds", "y", "load", "added"]
    pd.testing.assert_frame_equal(frame, before)


def test_a_time_index_becomes_a_column_without_changing_the_users_frame():
    frame = long_frame(1, 5).drop(columns="unique_id").set_index("ds")
    before = frame.copy()
    table = read_table(frame)
    table.frame.iloc[0, 1] = -1.0
    assert list(table.frame.columns) == ["ds", "y", "load"]
    pd.testing.assert_frame_equal(frame, before)


def test_a_long_table_pivots_without_a_copy_of_it_or_its_ids_as_python_text():
    """The pivot built a frame of its own from the table's columns (a copy of each), its text ids as a
    Python string a row: 10.8 MB at its peak for this 3.2 MB table, now 4.6 MB."""
    n_series, rows = 100, 1000
    frame = pd.DataFrame({
        "unique_id": np.repeat([f"store_{i}" for i in range(n_series)], rows),  # pandas' text: "str"
        "ds": np.tile(pd.date_range("2020-01-01", periods=rows, freq="h").to_numpy(), n_series),
        "y": np.random.default_rng(0).normal(size=n_series * rows),
    })  # fmt: skip
    table = read_table(frame)
    (wide, (times, ids)), peak = peak_bytes(
        lambda: pivot_long(table, "ds", "unique_id", "y", None, None, None)
    )
    assert peak < 2 * frame.memory_usage(deep=True).sum(), peak
    assert list(wide.columns) == ["ds", *sorted(f"store_{i}" for i in range(n_series))]
    np.testing.assert_array_equal(wide["store_7"].to_numpy(), frame["y"].to_numpy()[7 * rows : 8 * rows])
    assert ids.tolist() == frame["unique_id"].tolist() and times.equals(frame["ds"])


def test_feature_rows_name_their_series_without_a_python_string_a_row():
    """A per-series column's rows were named by an object array of the names, a static's by NumPy's
    fixed-width text (40 bytes a row for ``size[store_199]``), each then read back into pandas' text:
    20 MB at its peak for this 4 MB table (and 0.9 s), now 7 MB."""
    n_series, rows = 200, 500
    series = [f"store_{i}" for i in range(n_series)]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "unique_id": np.repeat(series, rows),
        "ds": np.tile(pd.date_range("2020-01-01", periods=rows, freq="h").to_numpy(), n_series),
        "y": rng.normal(size=n_series * rows),
        "load": rng.normal(size=n_series * rows),
    })  # fmt: skip
    statics = {"size": {s: float(i) for i, s in enumerate(series)}, "area": {s: 2.0 for s in series}}
    features = SeriesFeatures("unique_id", "y", series, past=["load"], statics=statics)
    names = frame["unique_id"].to_numpy(dtype=object)
    parts, peak = peak_bytes(lambda: features.feature_rows(frame, names, ["load"], "ds"))
    assert peak < 3 * frame.memory_usage(deep=True).sum(), peak
    load, size, area = parts
    assert [len(p) for p in parts] == [len(frame)] * 3
    assert load["unique_id"].iloc[[0, -1]].tolist() == ["load[store_0]", "load[store_199]"]
    np.testing.assert_array_equal(load["y"].to_numpy(), frame["load"].to_numpy())
    assert size["unique_id"].iloc[rows] == "size[store_1]" and size["y"].iloc[rows] == 1.0
    assert str(load["unique_id"].dtype) == str(frame["unique_id"].dtype)  # pandas' text, as before
