"""A long table's columns besides its series, time and value columns, on real ETTh1 series: a static
column (one value per series: a region, a capacity) and a per-series column of numbers that changes
over time were left out without a word. A fit now warns once, naming them and the way to read them
(static_df, past_covariates=), or to silence it; columns the same in every row, text that changes,
and the columns named as covariates are not named."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.series_features import fit_features

_SERIES = ["OT", "HUFL", "MUFL"]


def _long(ett: pd.DataFrame, n: int = 60) -> pd.DataFrame:
    rows = ett.iloc[:n]
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "unique_id": name,
                    "ds": rows["date"],
                    "y": rows[name],
                    "region": f"r{i % 2}",
                    "capacity": 10.0 * (i + 1),  # static: one value per series
                    "temp": rows["LULL"] + i,  # per-series numbers over time
                    "unit": "kW",
                    "note": rows["date"].dt.strftime("%a"),  # the same everywhere; text
                }
            )  # fmt: skip
            for i, name in enumerate(_SERIES)
        ],
        ignore_index=True,
    )


def _said(caught) -> list[str]:
    return [str(w.message) for w in caught if "a long table is read as its" in str(w.message)]


def test_a_fit_names_static_and_per_series_columns_with_the_way_to_read_them(ett):
    df = _long(ett)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, spec = load_series(df)
    assert spec.targets == sorted(_SERIES)
    said = _said(caught)
    assert len(said) == 1
    message = said[0]
    assert "The columns ['region', 'capacity'] hold one value per series" in message
    assert "The column 'temp' changes over time within a series" in message
    assert "past_covariates=['temp']" in message
    assert "'unit'" not in message and "'note'" not in message
    assert "df.drop(columns=['region', 'capacity', 'temp'])" in message
    # the static_df code as written is one fit reads, with temp named: no warning then
    code = re.search(r"(static_df = df\[.*?), then fit\(", message).group(1)
    names = {"pd": pd, "df": df}
    exec(code.replace(", then ", "\n"), names)
    data = df.drop(columns=["region", "capacity"])
    features, expanded, *_ = fit_features(data, names["static_df"], None, None, ["temp"], [])
    assert features.statics.keys() == {"capacity", "region_r0", "region_r1"} and features.past == ["temp"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_series(expanded.drop(columns=["unit", "note"]))
    assert _said(caught) == []


def test_a_csv_s_fix_reads_it_with_its_separator_and_a_fitted_model_s_data_is_not_warned_about(tmp_path, ett):
    _long(ett)[["unique_id", "ds", "y", "capacity"]].to_csv(tmp_path / "long.csv", index=False, sep=";")
    with pytest.warns(UserWarning, match="a long table is read as its") as caught:
        load_series(tmp_path / "long.csv")
    message = str(caught[0].message)
    assert "df = pd.read_csv(path, sep=';'), then static_df = df[['unique_id', 'capacity']]" in message
    assert "pd.get_dummies" not in message and "To silence this, drop it: " in message
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_series(tmp_path / "long.csv", fitted=True)
    assert _said(caught) == []
