"""A CSV written with ';' (Europe's export) read with ',': pandas' default, and the only separator MLflow's
scoring server reads a ``text/csv`` body with. The table has one column, ``'date;OT'``, and the
MLflow forecast model said "time column 'date' not found ...; columns are ['date;OT']", nothing of
the separator. It now says the columns are joined by ';', to send a ',' CSV (or JSON) when served, and
the ``pd.read_csv`` call that reads the file in Python, with the fit's decimal mark. Real data: ETTh1."""

from __future__ import annotations

import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import scoring_server

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc
from tests.test_pyf40_history_alone import saved_pyfunc

LOOKBACK, HORIZON, ROWS = 24, 6, 120
SAID = (
    r"the request's table has one column 'date;OT': the columns \['date', 'OT'\] joined by ';'.* send a CSV "
    r"with ',' between fields \(MLflow's scoring server reads a text/csv body with ',' only\)"
)


@pytest.fixture(scope="module")
def european(shared_data, tmp_path_factory):
    """``(path, forecaster)``: ETTh1's OT written with ';' and decimal commas, and an untrained NLinear
    whose data module read it (the fit's separator and decimal mark kept with the model)."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:ROWS]
    path = tmp_path_factory.mktemp("pyf40_eu") / "ot_eu.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    datamodule = ForecastDataModule(path=str(path), lookback=LOOKBACK, horizon=HORIZON, target="OT")
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, n_channels=datamodule.n_channels,
                           n_outputs=datamodule.n_outputs)  # fmt: skip
    task.set_scaler(datamodule.scaler)
    return path, Forecaster.around(task, datamodule)


def test_a_table_read_with_the_wrong_separator_names_it(european):
    path, forecaster = european
    model = ForecastPyfunc()
    model.forecaster = forecaster
    with pytest.raises(
        DataError, match=SAID + r".*in Python, read the file so: pd.read_csv\(path, sep=';', "
    ):
        model.predict(None, pd.read_csv(path))
    with pytest.raises(DataError, match=r"the request's 'futr_df' has one column 'date;OT'"):
        model.predict(None, {"futr_df": pd.read_csv(path)})
    # the read it gives answers
    expected = forecaster.predict(pd.read_csv(path, sep=";", decimal=","))
    pd.testing.assert_frame_equal(model.predict(None, pd.read_csv(path, sep=";", decimal=",")), expected)


def test_a_served_csv_body_with_semicolons_is_a_bad_request_naming_the_separator(european, tmp_path):
    path, forecaster = european
    loaded = saved_pyfunc(forecaster, tmp_path)
    with pytest.raises(MlflowException, match=SAID) as caught:  # the scoring server's 400 and its reason
        scoring_server.invocations(path.read_text(), "text/csv", loaded, None)
    assert caught.value.get_http_status_code() == 400
    tabs = pd.read_csv(path, sep=";", decimal=",").to_csv(sep="\t", index=False)
    with pytest.raises(MlflowException, match=r"joined by '\\t'.*pd\.read_csv\(path, sep='\\t'\)"):
        scoring_server.invocations(tabs, "text/csv", loaded, None)
