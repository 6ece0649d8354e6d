"""A Parquet file's columns that are no plain numbers, on real ETTh1 values. Nested columns (a
``list<double>`` of readings, a ``struct`` record) were dropped from the targets picked without a word,
and named as a target they were "non-numeric values (e.g. array([1., 2.]))" with no fix; a text column
of decimal-comma numbers named no Parquet type and told to read "the CSV" with pd.read_csv. Now the
nested ones are warned about (or refused when named) with their Parquet type and the code that gives
each value a column; text errors name the Parquet type, their code reading the Parquet file. Label text
not asked for stays silent, as a CSV's does."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def _frame(ett: pd.DataFrame, n: int = 48) -> pd.DataFrame:
    rows = ett.iloc[:n]
    return pd.DataFrame({
        "date": rows["date"], "OT": rows["OT"],
        "loads": [[h, m] for h, m in zip(rows["HULL"], rows["MULL"], strict=True)],  # list<double>
        "meta": [{"hufl": v, "site": "a"} for v in rows["HUFL"]],  # struct<hufl: double, site: string>
        "tags": [["ett", "h1"]] * n, "label": "transformer 1",  # text only: no series
    })  # fmt: skip


def _code(message: str) -> str:
    """The Python of a fix, ``df = pd.read_parquet(path), then ... , and pass the DataFrame``."""
    return re.search(r"(df = pd\.read_parquet\(path\), then .*?), and pass the DataFrame", message).group(1)


def _run(code: str, path) -> pd.DataFrame:
    names = {"pd": pd, "path": path}
    exec(code.replace(", then ", "\n").replace("), df = ", ")\ndf = "), names)
    return names["df"]


def test_nested_columns_of_numbers_are_warned_about_with_their_type_and_the_unnesting(tmp_path, ett):
    _frame(ett).to_parquet(tmp_path / "nested.parquet", index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values, spec = load_series(tmp_path / "nested.parquet")
    assert spec.targets == ["OT"]
    said = [str(w.message) for w in caught if "several values" in str(w.message)]
    assert len(said) == 1
    message = said[0]
    assert "'loads' (Parquet list<element: double>)" in message
    assert "'meta' (Parquet struct<hufl: double, site: string>)" in message
    assert "'tags'" not in message and "'label'" not in message and "target=" in message
    # the code as written gives each value a column the targets picked read
    df = _run(_code(message), tmp_path / "nested.parquet")
    _, unnested = load_series(df.drop(columns=["meta_site"]))
    assert unnested.targets == ["OT", "loads_0", "loads_1", "meta_hufl"]


@pytest.mark.parametrize(
    ("column", "columns"), [("loads", "loads_0, loads_1"), ("meta", "meta_hufl, meta_site")]
)
def test_a_nested_column_named_is_refused_with_its_type_and_columns(tmp_path, ett, column, columns):
    _frame(ett).to_parquet(tmp_path / "nested.parquet", index=False)
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "nested.parquet", target="OT", past_covariates=[column])
    message = str(raised.value)
    assert f"column {column!r} (Parquet " in message and f"naming its columns {columns} instead" in message
    df = _run(_code(message), tmp_path / "nested.parquet")
    first = columns.split(", ")[0]
    _, spec = load_series(df[["date", "OT", first]], target="OT", past_covariates=[first])
    assert spec.past_covariates == [first]


def test_a_dataframe_s_list_cells_are_warned_about_without_a_file_to_read(ett):
    with pytest.warns(UserWarning, match=r"'loads' \(lists\), 'meta' \(records\)") as caught:
        load_series(_frame(ett))
    assert "read_parquet" not in str(caught[0].message)


def test_parquet_text_numbers_name_the_parquet_type_and_read_the_file_in_the_fix(tmp_path, ett):
    frame = (
        ett[["date", "OT"]]
        .iloc[:48]
        .assign(HUFL=ett["HUFL"].iloc[:48].map(lambda v: f"{v:.2f}".replace(".", ",")))
    )
    frame.to_parquet(tmp_path / "text.parquet", index=False)
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "text.parquet")
    message = str(raised.value)
    assert re.search(r"column 'HUFL' \(Parquet (large_)?string\) has non-numeric values", message)
    assert "pd.read_csv" not in message and "read the CSV" not in message
    df = _run(_code(message), tmp_path / "text.parquet")
    assert df["HUFL"].tolist() == pytest.approx(ett["HUFL"].iloc[:48].round(2).tolist())
