"""``--ckpt_path runs:/<run id>/checkpoints/<file>.ckpt``: the checkpoint a fit logged to MLflow, as MLflow's
tools take an artifact. It was "checkpoint not found: runs:/..."; it is downloaded into --out and used."""

from __future__ import annotations

import mlflow
import pytest

from ssm_ts import cli
from tests.cli.test_classify_cli import fit_random_features


@pytest.fixture(scope="module")
def logged_fit(shared_data, tmp_path_factory):
    folder = shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts"
    _, uri, run_id = fit_random_features(folder, tmp_path_factory.mktemp("logged_fit"))
    (logged,) = [a.path for a in mlflow.MlflowClient(uri).list_artifacts(run_id, "checkpoints")]
    return uri, run_id, logged


def test_predict_takes_a_runs_uri_of_a_logged_checkpoint(logged_fit, in_tmp, capsys):
    uri, run_id, logged = logged_fit
    args = ["classify", "predict", "--tracking_uri", uri, "--out", "out"]
    assert cli.main([*args, "--ckpt_path", f"runs:/{run_id}/{logged}"]) == 0
    assert (in_tmp / "out" / "predictions.csv").is_file()
    assert next((in_tmp / "out" / "downloaded_checkpoints").rglob(logged.rsplit("/", 1)[-1]), None)

    assert cli.main([*args, "--ckpt_path", f"runs:/{run_id}/checkpoints/nope.ckpt"]) == 1
    err = capsys.readouterr().err
    assert f"--ckpt_path runs:/{run_id}/checkpoints/nope.ckpt: {uri} holds no such artifact" in err
    assert f"mlflow artifacts list -r {run_id} -a checkpoints" in err
