"""``interval_method`` is checked wherever it is taken, also without ``level``: an unknown method
names the choices, ``"cqr"`` for a model without quantile bands is refused, and a method given
without a level (which would make no interval) says to pass the level. Real ETTh1 rows."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

QUIET = {"enable_progress_bar": False, "enable_model_summary": False}
NO_LEVEL = r"interval_method='residual' chooses how conformal intervals are made, and no level is given.*level=\[80, 95\]"


@pytest.fixture(scope="module")
def data(ett) -> pd.DataFrame:
    """ETTh1's oil temperature, the first 1,200 hourly rows."""
    return ett[["date", "OT"]]


@pytest.fixture(scope="module")
def point_model(data, tmp_path_factory) -> Forecaster:
    torch.set_num_threads(1)
    return Forecaster(
        model="nlinear", lookback=48, horizon=12, max_epochs=1, log_to_mlflow=False,
        out_dir=str(tmp_path_factory.mktemp("out")), trainer_options=QUIET,
    ).fit(data)  # fmt: skip


def test_predict_refuses_a_method_without_a_level_an_unknown_one_and_cqr_without_bands(point_model):
    with pytest.raises(ConfigError, match=NO_LEVEL):
        point_model.predict(interval_method="residual")
    with pytest.raises(ConfigError, match=r"interval_method='bogus' is not one of \['residual', 'cqr'\]"):
        point_model.predict(interval_method="bogus")
    with pytest.raises(ConfigError, match=r"interval_method='cqr' widens learned quantile bands.*has none"):
        point_model.predict(interval_method="cqr")
    with pytest.raises(ConfigError, match=r"interval_method=\['cqr'\] is not one of"):
        point_model.predict(level=80, interval_method=["cqr"])
    # with a level it gives the intervals; without either, the plain forecast
    assert {"OT_lo-80", "OT_hi-80"} <= set(point_model.predict(level=80, interval_method="residual").columns)
    assert list(point_model.predict().columns) == ["date", "OT"]


def test_backtest_and_plot_refuse_a_method_without_a_level(point_model, data):
    with pytest.raises(ConfigError, match=r"interval_method='bogus' is not one of"):
        point_model.backtest(data, n_windows=2, interval_method="bogus")
    with pytest.raises(ConfigError, match=NO_LEVEL):
        point_model.backtest(data, n_windows=2, interval_method="residual")
    with pytest.raises(ConfigError, match=NO_LEVEL):
        point_model.plot(interval_method="residual")
    with pytest.raises(ConfigError, match=r"interval_method='bogus' is not one of"):
        point_model.plot(level=80, interval_method="bogus")


def test_the_mlflow_pyfunc_refuses_a_method_without_a_level(point_model, data):
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = point_model  # as load_context sets it from the logged export
    history = data.iloc[-48:]
    with pytest.raises(ConfigError, match=NO_LEVEL):
        pyfunc.predict(None, history, params={"interval_method": "residual"})
    with pytest.raises(ConfigError, match=NO_LEVEL):  # the declared default level [] is no level
        pyfunc.predict(None, history, params={"level": [], "interval_method": "residual"})
    with pytest.raises(ConfigError, match=r"interval_method='bogus' is not one of"):
        pyfunc.predict(None, history, params={"level": [80.0], "interval_method": "bogus"})
    # the declared defaults ("" and []) ask for nothing; a level with the method gives intervals
    assert list(pyfunc.predict(None, history, params={"level": [], "interval_method": ""}).columns) == [
        "date",
        "OT",
    ]
    forecast = pyfunc.predict(None, history, params={"level": [80.0], "interval_method": "residual"})
    assert forecast[["OT_lo-80", "OT_hi-80"]].notna().all().all()
