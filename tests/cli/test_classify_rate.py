"""Recordings at another sample rate through the deployed routes: ``ssm-ts classify predict --ckpt_path
... --model.rate 0.5`` and the MLflow pyfunc's ``params={"rate": 0.5}``, as
``SSMClassifier.predict(X, rate=0.5)`` takes it (tests/api/test_classifier_rate_random_features.py).

GunPoint (UCR, 150 steps) with random S4D + shift kernels: read at twice its rate with rate 1 it keeps
0.81 of the labels; with rate 0.5 every route keeps them. Before, the CLI restored the checkpoint's
rate (1.0) over ``--model.rate`` and the pyfunc had no params schema, so MLflow dropped the rate: both
answered as if no rate was given."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from scipy.signal import resample_poly

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor import read_ts
from ssm_ts.tasks.classification import predict_series
from tests.cli.test_classify_cli import (
    RANDOM_FEATURES_CONFIG,
    fit_random_features,
    load_logged_model,
    task_from_checkpoint,
)

GUNPOINT_OPTIONS = "{n_kernels: 1000, seed: 0, shift_fraction: 0.5}"
PROBABILITIES = ["p_1", "p_2"]


@pytest.fixture(scope="module")
def gunpoint(shared_data, tmp_path_factory):
    """``(fit folder's last.ckpt, tracking URI, run id, TEST file, TEST at twice the rate as .npz, labels)``."""
    folder = shared_data / "classification" / "GunPoint"
    workdir = tmp_path_factory.mktemp("gunpoint_rate")
    ckpt, uri, run_id = fit_random_features(folder, workdir, "--model.model_options", GUNPOINT_OPTIONS)
    test_file = folder / "GunPoint_TEST.ts"
    test = read_ts(test_file)
    twice = workdir / "gunpoint_test_twice.npz"
    # padtype="line": the default zero padding rings at recordings that end far from zero
    np.savez(twice, X=resample_poly(np.stack(test.values), 2, 1, axis=-1, padtype="line"), y=test.labels)
    return ckpt, uri, run_id, test_file, twice


def predict_csv(ckpt: Path, data: Path, out: Path, *extra: str) -> pd.DataFrame:
    assert cli.main(["classify", "predict", "--ckpt_path", str(ckpt), "--data.path", str(data),
                     "--out", str(out), *extra]) == 0  # fmt: skip
    return pd.read_csv(out / "predictions.csv")


@pytest.fixture(scope="module")
def cli_predictions(gunpoint, tmp_path_factory):
    """``classify predict`` of the fit on ``(TEST, TEST at twice the rate with --model.rate 0.5, TEST at
    twice the rate without a rate)``: each predictions.csv, read by the tests that compare with it."""
    ckpt, _, _, test_file, twice = gunpoint
    workdir = tmp_path_factory.mktemp("gunpoint_rate_predict")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        return (
            predict_csv(ckpt, test_file, workdir / "original"),
            predict_csv(ckpt, twice, workdir / "twice_rate", "--model.rate", "0.5"),
            predict_csv(ckpt, twice, workdir / "twice_no_rate"),
        )


def test_cli_predict_with_model_rate_classifies_recordings_at_twice_the_rate(
    gunpoint, cli_predictions, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ckpt, _, _, test_file, twice = gunpoint
    original, at_twice, ignored = cli_predictions
    assert (at_twice["predicted"] == original["predicted"]).mean() >= 0.97
    # measured: 1.00 of the labels kept with the rate, 0.81 without (accuracy 0.99 at both rates)
    assert (ignored["predicted"] == original["predicted"]).mean() < 0.9  # what the rate corrects
    assert (at_twice["predicted"] == at_twice["label"]).mean() >= (
        original["predicted"] == original["label"]
    ).mean() - 0.02

    # the same probabilities as the checkpoint's task at that rate; without a rate, as before (rate 1)
    task = task_from_checkpoint(ckpt)
    values = [np.asarray(v) for v in np.load(twice)["X"]]
    np.testing.assert_allclose(at_twice[PROBABILITIES], predict_series(task, values, rate=0.5), atol=1e-6)
    np.testing.assert_allclose(ignored[PROBABILITIES], predict_series(task, values), atol=1e-6)
    assert task.hparams.rate == 1.0  # predict_series(rate=...) changes it for its call only
    test_values = read_ts(test_file).values
    np.testing.assert_allclose(original[PROBABILITIES], predict_series(task, test_values), atol=1e-6)

    # --ckpt_path best finds the fit's checkpoint under --out and keeps the rate too
    fit_out = ckpt.parents[3]
    best = predict_csv("best", twice, fit_out, "--model.rate", "0.5")  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(best, at_twice)


def test_cli_predict_refuses_a_bad_rate(gunpoint, tmp_path, monkeypatch, capsys):
    """0 and negative rates were replaced by the checkpoint's 1.0 without a word; now they get the
    rate error (1e-400 reads as 0). Text and inf (which jsonargparse reads as no float) are refused by
    the parser, naming the option. Nothing is written either way."""
    monkeypatch.chdir(tmp_path)
    ckpt, _, _, test_file, _ = gunpoint
    args = ["classify", "predict", "--ckpt_path", str(ckpt), "--data.path", str(test_file)]
    out = tmp_path / "out"
    for bad in ("0", "-2", "1e-400"):
        assert cli.main([*args, "--model.rate", bad, "--out", str(out)]) == 1
        assert "rate must be a positive number (training sample rate / new rate)" in capsys.readouterr().err
    for bad in ("fast", "inf"):
        with pytest.raises(SystemExit) as exit_info:  # jsonargparse's usage error, as for any typed option
            cli.main([*args, "--model.rate", bad, "--out", str(out)])
        assert exit_info.value.code != 0
        err = capsys.readouterr().err
        assert "model.rate" in err and bad in err
    assert not (out / "predictions.csv").exists()


def test_fit_refuses_a_rate(shared_data, tmp_path, monkeypatch, capsys):
    """A fit with model.rate 0.5 fitted the random-features ridge at rate 1 and validated it at 0.5."""
    monkeypatch.chdir(tmp_path)
    folder = shared_data / "classification" / "GunPoint"
    args = ["classify", "fit", "--config", str(RANDOM_FEATURES_CONFIG), "--data.path", str(folder)]
    args += ["--model.model_options", "{n_kernels: 100}", "--model.rate", "0.5", "--out", str(tmp_path / "o")]
    args += ["--tracking_uri", f"sqlite:///{tmp_path / 'mlflow.db'}"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "a fit learns at its data's own rate" in err and "--model.rate 0.5" in err
    assert not list((tmp_path / "o").rglob("*.ckpt"))


def test_pyfunc_takes_params_rate(gunpoint, cli_predictions, tmp_path, monkeypatch):
    """The model a fit logged declares ``rate`` (default 1.0) and classifies twice-the-rate recordings
    with ``params={"rate": 0.5}`` as the CLI does; without it, as before."""
    monkeypatch.chdir(tmp_path)
    _, uri, run_id, test_file, twice = gunpoint
    loaded = load_logged_model(uri, run_id)
    param, policy = loaded.metadata.get_params_schema().params  # and the fit's nan_policy
    assert (param.name, param.dtype.name, param.default) == ("rate", "double", 1.0)
    assert (policy.name, policy.dtype.name, policy.default) == ("nan_policy", "string", "error")

    X = np.load(twice)["X"]
    original = loaded.predict(np.stack(read_ts(test_file).values))
    at_twice = loaded.predict(X, params={"rate": 0.5})
    without = loaded.predict(X)
    assert (at_twice["predicted"] == original["predicted"]).mean() >= 0.97
    assert (without["predicted"] == original["predicted"]).mean() < 0.9
    pd.testing.assert_frame_equal(loaded.predict(X, params={"rate": 1}), without)  # an int counts

    # the CLI's predictions.csv at rate 0.5 holds the same probabilities
    _, cli_csv, _ = cli_predictions
    np.testing.assert_allclose(at_twice[PROBABILITIES], cli_csv[PROBABILITIES], atol=1e-6)
    assert list(at_twice["predicted"].astype(str)) == list(cli_csv["predicted"].astype(str))

    for bad in (0, -2.0, np.inf):
        with pytest.raises(ConfigError, match=r"rate must be a positive number \(training sample rate"):
            loaded.predict(X, params={"rate": bad})
    # text: MLflow's params check names the param before the model runs; the model itself names it too
    with pytest.raises(mlflow.exceptions.MlflowException, match="rate"):
        loaded.predict(X, params={"rate": "fast"})
    with pytest.raises(ConfigError, match="rate must be a positive number"):
        loaded.unwrap_python_model().predict(None, X, params={"rate": "fast"})
