"""The warning about a long table's unread columns, on columns real tables hold that are no static
feature or covariate to offer: the row numbers ``df.to_csv(path)`` saves (``Unnamed: 0``, counted over
the table or from 0 in each series of a concatenated frame) were offered as past_covariates, a second
date column as static features one-hot encoded, a text column naming each series (a second id) as one
static column a series. And a search said it for each trial it fitted, and again for the best."""

from __future__ import annotations

import warnings

import pandas as pd
import torch

from ssm_ts import tune_forecaster
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting import long_table as long_module
from tests.series_features_data import TINY, long_table

_SAID = "a long table is read as its"


def _said(caught) -> list[str]:
    return [str(w.message) for w in caught if _SAID in str(w.message)]


def _long(ett: pd.DataFrame, n: int = 60) -> pd.DataFrame:
    """Three ETTh1 series as ``unique_id, ds, y``, each frame keeping its own index (0..n-1)."""
    return pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[:n], "y": ett[name].iloc[:n]})
         for name in ("OT", "HUFL", "MUFL")]
    )  # fmt: skip


def test_saved_row_numbers_second_dates_and_series_names_are_not_offered(tmp_path, ett):
    frame = _long(ett).assign(
        opened=lambda d: d["unique_id"].map({"OT": "2020-01-01", "HUFL": "2021-06-01", "MUFL": "2020-01-01"}),
        name=lambda d: d["unique_id"].map({"OT": "oil temp", "HUFL": "high load", "MUFL": "middle load"}),
    )
    frame["opened"] = pd.to_datetime(frame["opened"])
    frame.to_csv(tmp_path / "per_series_index.csv")  # Unnamed: 0 from 0 in each series
    frame.reset_index(drop=True).to_csv(tmp_path / "index.csv")  # Unnamed: 0 over the table
    for path in ("per_series_index.csv", "index.csv"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _, spec = load_series(tmp_path / path)
        assert spec.targets == ["HUFL", "MUFL", "OT"] and _said(caught) == [], path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_series(frame)  # the datetime column as a DataFrame holds it
    assert _said(caught) == []


def test_a_search_names_the_unread_columns_once(tmp_path, ett):
    torch.set_num_threads(1)
    df = long_table(ett).assign(size=lambda d: d["unique_id"].map({"OT": 10.0, "HUFL": 50.0}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = tune_forecaster(df, {"lr": [1e-3, 2e-3]}, sampler="grid", out_dir=str(tmp_path), **TINY)
    assert len(result.trials) == 2
    said = _said(caught)
    assert len(said) == 1 and "The column 'size' holds one value per series" in said[0]
    assert "The column 'load' changes over time within a series" in said[0]


def test_rows_in_any_order_name_the_same_columns(ett, monkeypatch):
    frame = _long(ett).reset_index(drop=True)
    frame["capacity"] = frame["unique_id"].map({"OT": 10.0, "HUFL": 20.0, "MUFL": float("nan")})
    frame["region"] = frame["unique_id"].map({"OT": "north", "HUFL": "north", "MUFL": "south"})
    frame["temp"] = ett["LULL"].iloc[: len(frame)].to_numpy()
    said = []
    for rows in (frame, frame.sample(frac=1, random_state=0)):  # series by series (a numpy pass), shuffled
        monkeypatch.setattr(long_module, "_SAID", set())  # said once a process: a fresh one
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load_series(rows)
        said += _said(caught)
    assert len(said) == 2 and said[0] == said[1]
    assert "The columns ['capacity', 'region'] hold one value per series" in said[0]
    assert "The column 'temp' changes over time within a series" in said[0]


def test_neuralforecast_s_available_mask_is_named_with_the_fix_that_leaves_its_rows_out(ett, monkeypatch):
    monkeypatch.setattr(long_module, "_SAID", set())
    frame = _long(ett).reset_index(drop=True)
    frame["available_mask"] = 1
    frame.loc[[5, 6, 70], "available_mask"] = 0
    frame.loc[frame["available_mask"] == 0, "y"] = 0.0  # as neuralforecast's tables hold them
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_series(frame)
    said = _said(caught)
    assert len(said) == 1 and "past_covariates" not in said[0]  # it was offered as a covariate
    assert "The column 'available_mask' (neuralforecast's) is not read: 'y' is read as observed" in said[0]
    code = said[0].split("fill them: ")[1].split(", then fit(")[0]
    exec(code, {"df": frame})
    values, spec = load_series(frame.drop(columns=["available_mask"]), fill="interpolate")
    assert spec.fill == "interpolate" and values["OT"].iloc[5] not in (0.0, ett["OT"].iloc[5])
