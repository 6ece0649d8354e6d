"""The classifier's logged MLflow model keeps the fit's ``data.nan_policy``.

``ssm-ts classify fit --data.nan_policy interpolate`` on recordings with gaps: ``classify predict`` and
``SSMClassifier(nan_policy="interpolate")`` classify them, but the logged model raised on the fit's
own data "choose nan_policy='interpolate'", an option it could not take. The export extras keep the
policy, the pyfunc applies it, and ``params={"nan_policy": ...}`` (declared in the signature, default
the fit's) picks another for one call.
"""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import make_series_set, read_ts
from ssm_ts.tasks.classification import load_classifier_export, predict_series
from tests.cli_runs import load_logged_model, only_run_id

CLASSES = ["Badminton", "Running", "Standing", "Walking"]
PROBABILITIES = [f"p_{c}" for c in CLASSES]


def test_the_logged_model_fills_missing_values_as_the_fit_did(
    shared_data, tmp_path, monkeypatch, single_thread
):
    train = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    X = np.stack(train.values)
    X[0, 1, 5:9] = np.nan  # gaps inside recordings, as t6 found
    X[7, 3, 0] = np.nan
    np.savez(tmp_path / "nan.npz", X=X, y=train.labels)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.chdir(tmp_path)
    fit = ["fit", "--model.model", "random_features", "--model.model_options", "{n_kernels: 100}"]
    fit += ["--data.path", "nan.npz", "--data.nan_policy", "interpolate", "--data.val_fraction", "0"]
    assert cli.main(["classify", *fit, "--out", "out", "--tracking_uri", uri]) == 0
    model = load_logged_model(uri, only_run_id(uri, "ssm-ts-classify"))
    out = model.predict(X)  # raised "choose nan_policy='interpolate'", an option it could not take
    assert model.metadata.get_params_schema().to_dict()[1] == {
        "name": "nan_policy", "type": "string", "default": "interpolate", "shape": None,
    }  # fmt: skip

    task, extras = load_classifier_export(next((tmp_path / "out").rglob("export")))
    assert extras["nan_policy"] == "interpolate"
    filled = make_series_set(X, nan_policy="interpolate").values
    np.testing.assert_allclose(out[PROBABILITIES].to_numpy(), predict_series(task, filled), atol=1e-6)
    assert (out["predicted"] == train.labels).mean() >= 0.9

    zero = model.predict(X, params={"nan_policy": "zero"})
    filled_zero = make_series_set(X, nan_policy="zero").values
    np.testing.assert_allclose(zero[PROBABILITIES].to_numpy(), predict_series(task, filled_zero), atol=1e-6)
    with pytest.raises(DataError, match="missing or non-finite values"):
        model.predict(X, params={"nan_policy": "error"})
    with pytest.raises(ConfigError, match="expected one of"):
        model.predict(X, params={"nan_policy": "mean"})
