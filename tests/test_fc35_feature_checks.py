"""``SeriesFeatures.expand``'s checks of a long table's per-series columns (each series has values, at
its first and last times) group no row of a table they accept: the series with values are hashed
once, and the rows are grouped per series only for one that lacks values. Before, both checks grouped
every row by its series for each column (1,000 series x 500 rows with a past and a future column and a
static: expand took 0.58 s, now 0.38 s). Their errors are unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures

SERIES = [f"store_{i}" for i in range(20)]


def _table(rows: int = 30) -> tuple[SeriesFeatures, pd.DataFrame]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "unique_id": np.repeat(SERIES, rows),
        "ds": np.tile(pd.date_range("2020-01-01", periods=rows, freq="D").to_numpy(), len(SERIES)),
        "y": rng.normal(size=len(SERIES) * rows),
        "price": rng.normal(size=len(SERIES) * rows),
        "promo": rng.integers(0, 2, len(SERIES) * rows).astype(float),
    })  # fmt: skip
    statics = {"size": {s: float(i) for i, s in enumerate(SERIES)}}
    return SeriesFeatures("unique_id", "y", SERIES, past=["price"], future=["promo"], statics=statics), frame


def test_an_accepted_table_is_checked_without_grouping_its_rows(monkeypatch):
    features, frame = _table()
    expected = features.expand(frame, "ds", "the table")

    def no_groupby(*args, **kwargs):
        raise AssertionError("a row groupby in the checks")

    monkeypatch.setattr(pd.Series, "groupby", no_groupby)
    pd.testing.assert_frame_equal(features.expand(frame, "ds", "the table"), expected)  # grouped before
    assert len(expected) == len(frame) * 4  # y, price and promo rows, and size at every time


@pytest.mark.parametrize(
    ("empty", "said"),
    [
        (lambda f: f["unique_id"] == "store_3",
         r"column 'price' \(a per-series covariate\) has no values for series \['store_3'\]"),
        (lambda f: (f["unique_id"] == "store_5") & (f["ds"] == f["ds"].max()),
         r"column 'price' \(a per-series covariate\) is empty for series 'store_5' at 1 of its times at its start or end"),
    ],
)  # fmt: skip
def test_the_checks_still_name_a_series_without_values(empty, said):
    features, frame = _table()
    frame.loc[empty(frame), "price"] = np.nan
    with pytest.raises(DataError, match=said):
        features.expand(frame, "ds", "the table")
