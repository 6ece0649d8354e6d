"""The fitted classifier as an MLflow pyfunc: recordings in, labels and class probabilities out.

The MLflow model holds the ssm-ts export folder (config JSON + safetensors) as its artifact
``classifier``; loading never unpickles weights, and the model is logged *from code*
(:func:`write_model_code`), so no pickled Python object is stored either.

Input: a long DataFrame (columns ``id``, optional ``time``, one column per channel, in the
training channel order), a NumPy array ``(n, channels, length)``, or a list of
``(channels, length_i)`` arrays. Output: a DataFrame ``id, predicted, p_<class>...``.

``params={"rate": r}`` (declared in the signature, default 1) classifies recordings sampled at another
rate than the training ones: ``r`` = training sample rate / their rate (0.5 for twice the rate), as
``SSMClassifier.predict(X, rate=r)`` takes it; a served model takes ``{"inputs": ..., "params":
{"rate": 0.5}}``. A model logged before the signature declared ``rate`` ignores it (MLflow drops
undeclared params with a warning): log it again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd


def recordings_from_input(model_input: Any) -> tuple[list[np.ndarray], list[str]]:
    """``(recordings (channels, length_i), ids)`` from a long DataFrame, an array or a list of arrays."""
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import make_series_set

    if isinstance(model_input, pd.DataFrame):
        if "id" not in model_input.columns:
            raise DataError(
                f"the input DataFrame needs an 'id' column naming each recording (long format); "
                f"found {list(model_input.columns)}"
            )
        empty = np.flatnonzero(model_input["id"].isna().to_numpy())
        if len(empty):  # groupby would drop these rows silently
            raise DataError(
                f"the input DataFrame's 'id' column is empty on {len(empty)} row(s), positions "
                f"{empty[:10].tolist()}; every row needs the id of its recording."
            )
        frame = model_input.sort_values(["id", "time"]) if "time" in model_input.columns else model_input
        channels = [c for c in frame.columns if c not in ("id", "time", "label")]
        values, ids = [], []
        for rec_id, group in frame.groupby("id", sort=False):
            values.append(group[channels].to_numpy(dtype=np.float64).T)
            ids.append(str(rec_id))
        data = make_series_set(values, source="pyfunc input", ids=ids)
    else:
        data = make_series_set(model_input, source="pyfunc input")
    return data.values, data.ids


class ClassifierPyfunc(mlflow.pyfunc.PythonModel):
    """``mlflow.pyfunc.load_model(uri).predict(recordings) -> DataFrame(id, predicted, p_<class>...)``."""

    def load_context(self, context) -> None:
        from ssm_ts.tasks.classification import load_classifier_export

        self.task, _ = load_classifier_export(context.artifacts["classifier"])

    # No type hints on predict: inputs are arrays, ragged lists or long DataFrames, and any hint makes
    # MLflow infer and enforce a schema. MLflow then warns "Add type hints" once per process through a
    # filter of its own that no warnings filter can override; this flag (the one MLflow's own ChatModel
    # uses) tells it that skipping type-hint validation is deliberate.
    _skip_type_hint_validation = True

    def predict(self, context, model_input, params=None):
        """``params={"rate": r}``: recordings at another sample rate (training rate / theirs)."""
        from ssm_ts.tasks.classification import predict_series, prediction_frame

        rate = (params or {}).get("rate", 1.0)
        values, ids = recordings_from_input(model_input)
        probabilities = predict_series(self.task, values, rate=rate)  # a bad rate: check_rate's error
        return prediction_frame(probabilities, self.task.classes, ids)


def classifier_signature(classes: list[str]):
    """The signature of the classifier pyfunc: no input schema (arrays, ragged lists and long
    DataFrames all go in; MLflow would drop the columns a schema does not name), the output columns
    ``id, predicted, p_<class>...``, and the optional param ``rate`` (a double, default 1.0)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

    outputs = Schema(
        [ColSpec("string", "id"), ColSpec("string", "predicted")]
        + [ColSpec("double", f"p_{name}") for name in classes]
    )
    return ModelSignature(
        inputs=None, outputs=outputs, params=ParamSchema([ParamSpec("rate", "double", 1.0)])
    )


_MODEL_CODE = """# MLflow models-from-code entry point written by ssm-ts: builds the classifier pyfunc.
import mlflow

from ssm_ts.tracking.pyfunc_classify import ClassifierPyfunc

mlflow.models.set_model(ClassifierPyfunc())
"""


def write_model_code(directory: str | os.PathLike) -> str:
    """Write the models-from-code script into ``directory``; return its path for ``log_model``."""
    path = Path(directory) / "classify_pyfunc_model.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_MODEL_CODE)
    return str(path)
