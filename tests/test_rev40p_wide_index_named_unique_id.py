"""An index named ``unique_id`` is read as a long table's series (``df.set_index("unique_id")``). A wide
table whose row numbers happen to be named so (``df.rename_axis("unique_id")``, or left by a groupby)
was read with them as a column too, and fitted them as one more target series ('unique_id' beside 'OT',
its forecast row numbers). Only an index whose ids repeat holds series now; row numbers are dropped as
before, and a table with repeated times whose index is so gets no advice to reset it. Real data: ETTh1."""

from __future__ import annotations

import pandas as pd

from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.reader import read_table


def test_row_numbers_named_unique_id_are_no_series(ett):
    wide = ett[["date", "OT", "HUFL"]].iloc[:60].rename_axis("unique_id")
    values, spec = load_series(wide)
    assert not spec.long_format and spec.targets == ["OT", "HUFL"]
    assert values.columns.tolist() == ["date", "OT", "HUFL"]
    # the user's frame untouched; its name kept for the hint of an error that finds no time column
    assert wide.index.name == "unique_id" and read_table(wide).dropped_index == "unique_id"


def test_repeated_ids_named_unique_id_are_the_series(ett):
    long = ett[["date", "OT", "HUFL"]].iloc[:60].melt(id_vars="date", var_name="unique_id", value_name="y")
    _, spec = load_series(long.set_index("unique_id"))
    assert spec.long_format and sorted(spec.targets) == ["HUFL", "OT"]
    assert read_table(long.set_index("unique_id")).dropped_index is None
    assert read_table(
        pd.DataFrame({"y": [1.0, 2.0]}, index=pd.Index(["a", "a"], name="unique_id"))
    ).frame.columns.tolist() == ["unique_id", "y"]
