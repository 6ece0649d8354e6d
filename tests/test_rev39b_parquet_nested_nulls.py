"""The unnesting code printed for a Parquet file's nested columns, run as printed on the columns real
files hold: a ``list<int64>`` with null rows, ragged lists (readings a row of its own length), a first
row whose list is empty. The code gave ragged lists to pd.DataFrame, which pads them with a deprecation
warning (it will refuse them), it gave the nulls' column as one column of the lists themselves (pandas
makes no columns of cells that mix lists and None), the error named the first row's columns only
(``ragged_0`` of three), and a column whose first list was empty was left out without a word."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def _write(path, ett: pd.DataFrame, cells: list, kind: pa.DataType) -> None:
    rows = ett.iloc[: len(cells)]
    pq.write_table(pa.table({"date": rows["date"], "OT": rows["OT"], "x": pa.array(cells, kind)}), path)


def _run(message: str, path) -> pd.DataFrame:
    code = re.search(r"(df = pd\.read_parquet\(path\), then .*?), and pass the DataFrame", message).group(1)
    names = {"pd": pd, "path": path}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas pads ragged lists with a warning that it will refuse them
        exec(code.replace(", then ", "\n"), names)
    return names["df"]


def test_null_rows_and_ragged_lists_unnest_to_a_column_per_value(tmp_path, ett):
    n = 48
    loads = (ett["HULL"].iloc[:n] * 100).round().astype(int).tolist()
    cells = [None if i % 5 == 0 else [loads[i], None, loads[i] + 1][: 1 + i % 3] for i in range(n)]
    _write(tmp_path / "x.parquet", ett, cells, pa.list_(pa.int64()))
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "x.parquet", target="OT", past_covariates=["x"])
    message = str(raised.value)
    assert "naming its columns x_0, x_1, x_2 instead of 'x'" in message
    df = _run(message, tmp_path / "x.parquet")
    assert [c for c in df.columns if c.startswith("x_")] == ["x_0", "x_1", "x_2"]
    assert df["x_0"].dtype == np.float64 and df["x_0"].isna().tolist() == [i % 5 == 0 for i in range(n)]
    assert df.loc[1, "x_1"] != df.loc[1, "x_1"] and df.loc[2, "x_2"] == loads[2] + 1  # its own None: NaN
    _, spec = load_series(df.drop(columns=["x"]).ffill().bfill(), target="OT", past_covariates=["x_0"])
    assert spec.past_covariates == ["x_0"]


def test_a_column_whose_first_list_is_empty_is_still_warned_about(tmp_path, ett):
    cells = [[] if i < 3 else [float(v)] for i, v in enumerate(ett["HUFL"].iloc[:48])]
    _write(tmp_path / "x.parquet", ett, cells, pa.list_(pa.float64()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, spec = load_series(tmp_path / "x.parquet")
    said = [str(w.message) for w in caught if "several values" in str(w.message)]
    assert spec.targets == ["OT"] and len(said) == 1 and "'x' (Parquet list<element: double>)" in said[0]
    assert _run(said[0], tmp_path / "x.parquet")["x_0"].iloc[3:].tolist() == ett["HUFL"].iloc[3:48].tolist()
