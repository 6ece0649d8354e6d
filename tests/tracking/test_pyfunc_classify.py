"""The classifier pyfunc logged from code loads through MLflow and returns labels and probabilities."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.tasks.classification import ClassificationTask, predict_series
from ssm_ts.tracking.logger import log_pyfunc_model, make_mlflow_logger


@pytest.fixture()
def logged(tmp_path):
    """A two-channel, two-class task and its pyfunc, logged to an sqlite store and loaded back."""
    task = ClassificationTask(
        n_channels=2, classes=["low", "high"], model_options={"d_model": 8, "n_layers": 1, "d_state": 8}
    ).eval()
    logger = make_mlflow_logger("pyfunc-classify", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    python_model, artifacts = task.mlflow_pyfunc(None, tmp_path / "export")
    uri = log_pyfunc_model(logger, python_model, artifacts)
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    return task, mlflow.pyfunc.load_model(uri)


def test_pyfunc_predicts_labels_and_probabilities(logged):
    task, loaded = logged
    X = np.random.default_rng(0).normal(size=(3, 2, 7))
    out = loaded.predict(X)
    assert list(out.columns) == ["id", "predicted", "p_low", "p_high"]
    np.testing.assert_allclose(out[["p_low", "p_high"]].to_numpy(), predict_series(task, list(X)), atol=1e-6)
    long = pd.DataFrame(
        {
            "id": np.repeat(["a", "b"], 7),
            "time": np.tile(np.arange(7), 2),
            "x": X[:2, 0].ravel(),
            "y": X[:2, 1].ravel(),
        }
    )
    by_frame = loaded.predict(long)
    assert by_frame["id"].tolist() == ["a", "b"]
    np.testing.assert_allclose(
        by_frame[["p_low", "p_high"]].to_numpy(), out[["p_low", "p_high"]].to_numpy()[:2], atol=1e-6
    )


def test_pyfunc_rejects_a_wrong_channel_count(logged):
    # one channel would otherwise be broadcast over both by the per-channel scaler, silently
    task, loaded = logged
    X = np.random.default_rng(0).normal(size=(2, 3, 7))
    for channels in (1, 3):
        with pytest.raises(DataError, match=f"X has {channels} channels? but the classifier was fitted on 2"):
            loaded.predict(X[:, :channels])
    with pytest.raises(DataError, match="X has 1 channel "):
        predict_series(task, list(X[:, :1]))


def test_pyfunc_input_with_an_empty_id_is_an_error():
    from ssm_ts.tracking.pyfunc_classify import recordings_from_input

    frame = pd.DataFrame({"id": ["a", None, "a"], "time": [0, 1, 2], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"'id' column is empty on 1 row\(s\), positions \[1\]"):
        recordings_from_input(frame)
