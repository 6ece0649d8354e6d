"""``ssm-ts classify predict/test`` warn when the recordings are sampled at another step than the
training ones and ``--model.rate`` does not make up for it.

``classify fit`` on GunPoint (UCR) written as a long CSV with times every 0.02 (50 Hz) saves that step
in its checkpoint (the data module's state); ``predict --ckpt_path`` on the TEST split at twice the rate
(a long CSV with times every 0.01, or a ``.ts`` with ``@timeStamps``) warns, naming both steps and
``--model.rate 0.5``, and writes its predictions all the same. Before, nothing was said: without the
rate the labels kept were 0.71 of those at 50 Hz (0.81 on the every other TEST recording used here)."""

from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import SamplingStepWarning, SeriesSet
from tests.cli.test_classify_cli import fit_random_features
from tests.pipelines.test_sensor_sampling_step import twice_the_rate, write_long_csv, write_stamped_ts

GUNPOINT_OPTIONS = "{n_kernels: 1000, seed: 0, shift_fraction: 0.5}"
# what the warning says of recordings every 0.01 met by a fit on recordings every 0.02 (every route)
TWICE = r"sampled every 0\.01, the training recordings every 0\.02 \(in the units of their time columns\)"


def every_other(data: SeriesSet) -> SeriesSet:
    """Every other recording of ``data`` (75 of GunPoint's 150 TEST recordings): features are per
    recording, so the checks keep their power at half the predict time."""
    return dataclasses.replace(data, values=data.values[::2], labels=data.labels[::2], ids=data.ids[::2])


def fit_at_50hz(train: SeriesSet, workdir: Path) -> tuple[Path, str, str]:
    """``classify fit`` (random features, ``GUNPOINT_OPTIONS``) on ``train`` written as a long CSV
    with times every 0.02 (50 Hz) in ``workdir``: ``(last.ckpt, tracking URI, run id)``."""
    train_csv = write_long_csv(workdir / "train.csv", train, 0.02)
    return fit_random_features(train_csv, workdir, "--model.model_options", GUNPOINT_OPTIONS)


@pytest.fixture(scope="module")
def gunpoint(gunpoint_ucr, tmp_path_factory):
    """``(last.ckpt of a fit on the 50 Hz CSV, {name: predict file})``."""
    train, test = gunpoint_ucr[0], every_other(gunpoint_ucr[1])
    workdir = tmp_path_factory.mktemp("gunpoint_step_cli")
    twice = twice_the_rate(test)
    files = {
        "test": write_long_csv(workdir / "test.csv", test, 0.02),
        "twice": write_long_csv(workdir / "twice.csv", test, 0.01, values=twice),
        "twice_ts": write_stamped_ts(
            workdir / "twice.ts",
            test.__class__(twice, test.labels, "twice", test.ids),
            lambda n: [f"{0.01 * k:.2f}" for k in range(n)],
        ),
        "twice_npz": workdir / "twice.npz",
    }
    np.savez(files["twice_npz"], X=np.stack(twice), y=test.labels)
    ckpt, _, _ = fit_at_50hz(train, workdir)
    return ckpt, files


def predict(ckpt, data, out, *extra: str) -> pd.DataFrame:
    assert cli.main(["classify", "predict", "--ckpt_path", str(ckpt), "--data.path", str(data),
                     "--out", str(out), *extra]) == 0  # fmt: skip
    return pd.read_csv(out / "predictions.csv")


@pytest.fixture(scope="module")
def twice_csv(gunpoint, tmp_path_factory):
    """``classify predict`` of the CSV at twice the rate, read by several tests: ``(predictions with
    --model.rate 0.5, which warned of nothing, predictions without a rate, the SamplingStepWarning
    messages that run gave, in order)``."""
    ckpt, files = gunpoint
    workdir = tmp_path_factory.mktemp("gunpoint_step_predict")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SamplingStepWarning)  # an error here: main returns 1
            with_rate = predict(ckpt, files["twice"], workdir / "rate", "--model.rate", "0.5")
        with pytest.warns(SamplingStepWarning) as record:
            without = predict(ckpt, files["twice"], workdir / "no_rate")  # written all the same
    return with_rate, without, [str(w.message) for w in record if issubclass(w.category, SamplingStepWarning)]


def test_predict_at_twice_the_rate_warns_with_the_rate_to_pass(gunpoint, twice_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ckpt, files = gunpoint
    assert load_checkpoint(ckpt)["SensorDataModule"]["fit_sampling_step"] == {"value": 0.02, "kind": "number"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)  # an error here: main returns 1
        original = predict(ckpt, files["test"], tmp_path / "test")
    with_rate, without, messages = twice_csv
    assert (with_rate["predicted"] == original["predicted"]).mean() >= 0.97

    expected = TWICE + r".*pass --model.rate 0\.5 \(ssm-ts classify predict"
    assert any(re.search(expected, message) for message in messages), messages
    assert str(files["twice"]) in messages[0]
    assert (without["predicted"] == original["predicted"]).mean() < 0.9  # measured 0.81 (75 recordings)

    with pytest.warns(SamplingStepWarning, match=r"rate 0\.25 was given, .*makes the rate 0\.5"):
        predict(ckpt, files["twice"], tmp_path / "wrong_rate", "--model.rate", "0.25")


def test_a_time_stamped_ts_file_is_checked_too(gunpoint, twice_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ckpt, files = gunpoint
    with pytest.warns(SamplingStepWarning, match=TWICE + r".*--model.rate 0\.5"):
        without = predict(ckpt, files["twice_ts"], tmp_path / "ts")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        with_rate = predict(ckpt, files["twice_ts"], tmp_path / "ts_rate", "--model.rate", "0.5")
    from_csv, _, _ = twice_csv  # the same recordings from the CSV: the same probabilities
    np.testing.assert_allclose(with_rate.filter(like="p_"), from_csv.filter(like="p_"), atol=1e-9)
    assert (without["predicted"] != with_rate["predicted"]).any()


def test_files_without_times_predict_as_before(gunpoint, twice_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ckpt, files = gunpoint
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        npz = predict(ckpt, files["twice_npz"], tmp_path / "npz")
    _, csv, messages = twice_csv
    assert messages  # the same recordings with their times warn
    np.testing.assert_allclose(npz.filter(like="p_"), csv.filter(like="p_"), atol=1e-9)


def test_classify_test_warns_for_a_test_file_at_another_step(gunpoint, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ckpt, files = gunpoint
    args = ["classify", "test", "--ckpt_path", str(ckpt), "--data.test_path", str(files["twice"])]
    with pytest.warns(SamplingStepWarning, match=TWICE + r".*--model.rate 0\.5 \(ssm-ts classify test"):
        assert cli.main([*args, "--out", str(tmp_path / "t")]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        assert cli.main([*args, "--model.rate", "0.5", "--out", str(tmp_path / "t2")]) == 0
