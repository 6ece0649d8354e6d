"""A saved pandas index with holes (``df.dropna().to_csv(path)``: ``Unnamed: 0`` holds ``0, 1, 2, 5, ...``)
is row numbers, as a hole-free one is: left out of the default targets with the warning that names the fix.
Before, it was forecast as a series. An unnamed integer column spaced evenly wider, or in no order, is data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def hours(ett) -> pd.DataFrame:
    """ETTh1's first 200 hours of OT and HUFL, OT empty at three of them."""
    frame = ett.iloc[:200][["date", "OT", "HUFL"]].copy()
    frame.loc[[3, 4, 50], "OT"] = np.nan
    return frame


def test_a_saved_index_with_holes_is_no_target(hours, tmp_path):
    path = tmp_path / "dropped.csv"
    hours.dropna().to_csv(path)  # Unnamed: 0 holds 0, 1, 2, 5, ..., 49, 51, ...
    with pytest.warns(UserWarning, match=r"\['Unnamed: 0'\] hold the row numbers 0..199 with 3 missing, as after "
                      r"df.dropna\(\) or a filter.*df.to_csv\(path, index=False\)"):  # fmt: skip
        _, spec = load_series(path, fill="ffill")
    assert spec.targets == ["OT", "HUFL"]  # was ['Unnamed: 0', 'OT', 'HUFL']
    with pytest.warns(UserWarning, match=r"the DataFrame: .*pd.read_csv\(path, index_col=0\)"):
        assert load_series(pd.read_csv(path), fill="ffill")[1].targets == ["OT", "HUFL"]
    # a filter keeping part of the rows: one jump, the rest one apart
    hours[hours["date"].astype(str) >= "2016-07-03"].iloc[::1].drop(index=range(60, 70)).to_csv(path)
    with pytest.warns(UserWarning, match=r"hold the row numbers 48..199 with 10 missing"):
        assert load_series(path, fill="ffill")[1].targets == ["OT", "HUFL"]


def test_unnamed_integers_that_are_no_row_numbers_stay_series(hours):
    rng = np.random.default_rng(0)
    frame = hours.fillna(0.0)
    for values in (np.arange(200) * 3, rng.permutation(200), rng.integers(0, 9, 200)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, spec = load_series(frame.assign(**{"Unnamed: 3": values}))
        assert spec.targets == ["OT", "HUFL", "Unnamed: 3"]
