"""``predict(df)`` of a model with per-series inputs adds the table's feature rows once: it expanded
the whole long table twice (once to find the series it holds, once to read it), each a new table of
every row and its covariates' rows (a long table of 1,000 series x 1,000 rows with a per-series
column and a static: 2.4 s, now 1.7 s). The forecast is the same."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
from tests.series_features_data import STATIC, long_table, tiny_forecaster


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> tuple[Forecaster, pd.DataFrame]:
    torch.set_num_threads(1)
    long = long_table(ett)
    fc = tiny_forecaster(tmp_path_factory.mktemp("fcmem34"))
    return fc.fit(long, past_covariates=["load"], static_df=STATIC), long


def counted_expansions(monkeypatch) -> list[int]:
    """A list that grows by the rows of each :meth:`SeriesFeatures.expand` from now on."""
    calls: list[int] = []
    expand = SeriesFeatures.expand

    def counting(self, frame, time_col, where):
        calls.append(len(frame))
        return expand(self, frame, time_col, where)

    monkeypatch.setattr(SeriesFeatures, "expand", counting)
    return calls


def test_predict_of_a_long_dataframe_expands_it_once(fitted, monkeypatch):
    fc, long = fitted
    expected = fc.predict()  # the fitted history: no expansion
    calls = counted_expansions(monkeypatch)
    forecast = fc.predict(long)
    assert calls == [len(long)]  # was two
    pd.testing.assert_frame_equal(forecast, expected)
