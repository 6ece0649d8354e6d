"""A forecast of a long table holding some of the fitted series never returns a stand-in's forecast: the
absent series' columns are copies of a given one (their windows' shape), and ``_predict`` asked for
``series`` that include an absent one forecast it from that copy and returned it as the absent series'
forecast (``predict`` left it out until it passed the given series alone; the old code dropped stand-ins
whatever ``series`` said). On real ETTh1 rows, an untrained calibrated NLinear."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

LOOKBACK, HORIZON = 24, 6


@pytest.fixture(scope="module")
def panel(ett) -> pd.DataFrame:
    """ETTh1's OT, HUFL and LULL as 3 series of 300 hourly rows, long."""
    wide = ett.iloc[:300][["date", "OT", "HUFL", "LULL"]]
    return wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})


@pytest.fixture(scope="module")
def model(panel) -> Forecaster:
    datamodule = ForecastDataModule.from_frame(panel, lookback=LOOKBACK, horizon=HORIZON)
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9],
                           n_channels=datamodule.n_channels, n_outputs=datamodule.n_outputs)  # fmt: skip
    task.set_scaler(datamodule.scaler)
    return Forecaster._calibrated_on(task, datamodule)


def _series(model: Forecaster, data: pd.DataFrame, series: list[str], long: bool) -> pd.DataFrame:
    return model._predict(data, long=long, read_options=None, n=None, level=[80], interval_method=None,
                          futr_df=None, series=series)  # fmt: skip


def test_a_series_asked_for_but_absent_gets_no_forecast_from_its_stand_in(model, panel):
    some = panel[panel["unique_id"].isin(["HUFL", "LULL"])]
    full = model.predict(panel, level=[80])
    long = _series(model, some, ["OT", "HUFL"], long=True)
    assert list(long["unique_id"].unique()) == ["HUFL"]  # was ['OT', 'HUFL']: OT forecast from HUFL's copy
    expected = full[full["unique_id"] == "HUFL"].reset_index(drop=True)
    pd.testing.assert_frame_equal(long, expected, check_exact=False, rtol=1e-5)
    wide = _series(model, some, ["OT", "HUFL"], long=False)
    assert [c for c in wide.columns if c.startswith("OT")] == []
    assert "HUFL_hi-80" in wide.columns
