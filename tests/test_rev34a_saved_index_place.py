"""A saved pandas index with holes (``df.dropna().to_csv(path)``: ``0, 1, 2, 5, ...``) is told from data
by its place too: ``to_csv`` writes the index first. An integer column after named ones whose header cell
was left empty (``date,sales,``: a cumulative count, mostly one a day) was taken for row numbers with
holes and left out of the targets; a hole-free count there still reads as row numbers, as before."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ssm_ts.pipelines.forecasting.series import load_series
from ssm_ts.pipelines.saved_index_rule import holds_row_numbers


def test_a_count_after_named_columns_is_a_target(tmp_path):
    rng = np.random.default_rng(0)
    count = 1000 + np.cumsum(rng.choice([1, 1, 1, 2, 3], size=60))  # increasing, most steps one
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=60, freq="D"),
            "sales": rng.normal(size=60).cumsum(),
            "": count,
        }
    )
    frame.to_csv(tmp_path / "counts.csv", index=False)  # header: date,sales,
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning that it holds row numbers
        _, spec = load_series(tmp_path / "counts.csv")
    assert spec.targets == ["sales", "Unnamed: 2"]


def test_the_index_place_is_the_first_columns_all_unnamed():
    holes = np.array([0, 1, 2, 5, 6, 7, 9, 10])
    frame = pd.DataFrame({"Unnamed: 0": holes, "Unnamed: 1": holes, "y": 1.0, "Unnamed: 3": holes})
    assert holds_row_numbers(frame, "Unnamed: 0") and holds_row_numbers(frame, "Unnamed: 1")  # a MultiIndex
    assert not holds_row_numbers(frame, "Unnamed: 3")
    frame["Unnamed: 3"] = np.arange(8)  # consecutive: row numbers wherever they are
    assert holds_row_numbers(frame, "Unnamed: 3")
