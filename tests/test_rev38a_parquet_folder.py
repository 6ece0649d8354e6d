"""A Parquet data set written as a folder of files (Spark's ``sales.parquet/``, or
``df.to_parquet(path, partition_cols=...)``), on real ETTh1 rows: it was told to be "a folder, not a
CSV file", with no way to read it; the error now gives the line that writes it as one file."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def test_a_partitioned_parquet_folder_gets_the_line_that_writes_one_file(ett, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = ett[["date", "OT"]].iloc[:200].assign(part=np.repeat([0, 1], 100))
    rows.to_parquet("sales.parquet", partition_cols=["part"])
    with pytest.raises(DataError, match=r"sales\.parquet is a folder of Parquet files") as raised:
        load_series("sales.parquet")
    line = re.search(
        r"write it as one file, (pd\.read_parquet\(.*?\)\.to_parquet\('data\.parquet'\))", str(raised.value)
    )
    exec(line.group(1), {"pd": pd})  # the fix, as the error writes it
    assert os.path.isfile("data.parquet")
    values, spec = load_series("data.parquet")
    assert spec.freq == "h" and len(values) == 200
