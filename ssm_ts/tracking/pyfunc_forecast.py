"""The fitted forecaster as an MLflow pyfunc: a history DataFrame in, the forecast DataFrame out.

The MLflow model holds the ssm-ts export folder (config JSON + safetensors + extras JSON) as its
artifact ``forecaster``; loading never unpickles weights. Input: the series in the training
format (time column + the target/covariate columns; long format works too), at least ``lookback``
rows; an empty DataFrame forecasts from the history stored with the model. Output: the time
column continuing the series' frequency, one column per target, ``<target>_q<level>`` columns for
quantile models.

The model is logged *from code* (:func:`write_model_code`): MLflow stores a three-line script
that builds :class:`ForecastPyfunc`, not a cloudpickle of it, so loading runs no pickled code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd


class ForecastPyfunc(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc.load_model(uri).predict(history_df) -> forecast_df``."""

    def load_context(self, context) -> None:
        from ssm_ts.api.forecaster import Forecaster

        self.forecaster = Forecaster.load(context.artifacts["forecaster"])

    def predict(
        self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        if model_input is None or len(model_input) == 0:
            return self.forecaster.predict()
        return self.forecaster.predict(pd.DataFrame(model_input))


_MODEL_CODE = """# MLflow models-from-code entry point written by ssm-ts: builds the forecaster pyfunc.
import mlflow

from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

mlflow.models.set_model(ForecastPyfunc())
"""


def write_model_code(directory: str | os.PathLike) -> str:
    """Write the models-from-code script into ``directory``; return its path for ``log_model``."""
    path = Path(directory) / "forecast_pyfunc_model.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_MODEL_CODE)
    return str(path)
