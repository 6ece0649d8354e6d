"""Channels are matched by name, not position, wherever the data names them.

BasicMotions written as a long CSV (columns ``acc_x ... gyro_z``): ``classify fit`` on it, then
``classify predict`` on the TEST file whose channel columns come in another order gave other (wrong)
predictions without a word, as did the logged MLflow model given a long DataFrame. The fitted model
now keeps the channel names (the task's ``channel_names``, in checkpoints and exports) and reorders
named data to them; a missing or unknown channel is a DataError naming both. Checkpoints and exports
written before the names were kept load and match by position.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.errors import DataError
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import read_ts
from ssm_ts.tasks.classification import load_classifier_export, predict_series
from tests.cli_runs import load_logged_model, only_run_id

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
SHUFFLED = CHANNELS[::-1]  # by position: 0.50 of the TEST labels right (measured), 1.00 in order
CLASSES = ["Badminton", "Running", "Standing", "Walking"]
PROBABILITIES = [f"p_{c}" for c in CLASSES]


def long_frame(values: list[np.ndarray], labels, channels: list[str] = CHANNELS) -> pd.DataFrame:
    """Recordings ``(6, length)`` as a long table ``id, time, label, <channels in the given order>``."""
    frames = []
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        frame = pd.DataFrame({"id": f"r{i}", "time": np.arange(v.shape[1]), "label": label})
        for name in channels:
            frame[name] = v[CHANNELS.index(name)]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def basicmotions(shared_data):
    folder = shared_data / "classification" / "BasicMotions"
    return read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")


def classify(*args: str) -> int:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small ops on a busy shared CPU
    try:
        return cli.main(["classify", *args])
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def named_fit(basicmotions, tmp_path_factory):
    """``classify fit`` (random features) on the TRAIN long CSV: ``(workdir, last.ckpt, tracking URI, run id)``."""
    train, test = basicmotions
    work = tmp_path_factory.mktemp("named")
    long_frame(train.values, train.labels).to_csv(work / "train.csv", index=False)
    long_frame(test.values, test.labels).to_csv(work / "test.csv", index=False)
    long_frame(test.values, test.labels, SHUFFLED).to_csv(work / "test_shuffled.csv", index=False)
    uri = f"sqlite:///{work / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        fit = ["fit", "--model.model", "random_features", "--model.model_options", "{n_kernels: 200}"]
        fit += ["--data.path", "train.csv", "--data.val_fraction", "0", "--trainer.max_epochs", "1"]
        assert classify(*fit, "--out", "out", "--tracking_uri", uri) == 0
    return work, next((work / "out").rglob("last.ckpt")), uri, only_run_id(uri, "ssm-ts-classify")


def predictions(work: Path, ckpt: Path, data: str, out: str) -> pd.DataFrame:
    args = ["predict", "--ckpt_path", str(ckpt), "--data.path", str(work / data), "--out", str(work / out)]
    assert classify(*args) == 0
    return pd.read_csv(work / out / "predictions.csv")


def test_predict_reorders_a_csv_whose_channel_columns_come_in_another_order(named_fit):
    work, ckpt, _, _ = named_fit
    assert load_checkpoint(ckpt)["hyper_parameters"]["channel_names"] == CHANNELS
    same = predictions(work, ckpt, "test.csv", "same")
    shuffled = predictions(work, ckpt, "test_shuffled.csv", "shuffled")
    assert (same["predicted"] == same["label"]).mean() >= 0.9
    # by position the reversed columns gave other probabilities (and half the labels); by name the same
    pd.testing.assert_frame_equal(shuffled, same)


def test_a_missing_or_unknown_channel_names_them_and_the_expected_ones(named_fit, basicmotions, capsys):
    work, ckpt, _, _ = named_fit
    _, test = basicmotions
    frame = long_frame(test.values[:4], test.labels[:4])
    frame.drop(columns=["gyro_y"]).rename(columns={"acc_x": "accel_x"}).to_csv(
        work / "renamed.csv", index=False
    )
    capsys.readouterr()
    assert classify("predict", "--ckpt_path", str(ckpt), "--data.path", str(work / "renamed.csv")) != 0
    err = capsys.readouterr().err
    assert "no channel(s) ['acc_x', 'gyro_y']" in err, err
    assert "channel(s) ['accel_x'] the model was not fitted on" in err
    assert str(CHANNELS) in err


def test_a_checkpoint_without_channel_names_still_predicts_by_position(named_fit, tmp_path):
    work, ckpt, _, _ = named_fit
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    del checkpoint["hyper_parameters"]["channel_names"]  # as checkpoints written before names were kept
    old = tmp_path / "old.ckpt"
    torch.save(checkpoint, old)
    same = predictions(work, ckpt, "test.csv", "by_name")
    pd.testing.assert_frame_equal(predictions(work, old, "test.csv", "old"), same)


def test_the_logged_model_matches_a_long_dataframe_by_name(named_fit, basicmotions):
    _, ckpt, uri, run_id = named_fit
    _, test = basicmotions
    model = load_logged_model(uri, run_id)
    frame = long_frame(test.values, test.labels)
    expected = model.predict(frame)
    assert (expected["predicted"] == test.labels).mean() >= 0.9
    # the columns in another order (and the label column dropped): the same answer
    shuffled = model.predict(frame[["id", "time", *SHUFFLED]])
    pd.testing.assert_frame_equal(shuffled, expected)
    # an array has no names: taken in the training order, as before
    array = model.predict(np.stack(test.values))
    np.testing.assert_allclose(array[PROBABILITIES].to_numpy(), expected[PROBABILITIES].to_numpy())
    with pytest.raises(DataError, match=r"channel\(s\) \['subject'\] the model was not fitted on.*'acc_x'"):
        model.predict(frame.assign(subject="bob"))
    with pytest.raises(DataError, match=r"no channel\(s\) \['gyro_z'\]"):
        model.predict(frame.drop(columns="gyro_z"))


def test_an_export_without_channel_names_loads_and_matches_by_position(named_fit, basicmotions, tmp_path):
    work, _, _, _ = named_fit
    _, test = basicmotions
    export = next((work / "out").rglob("export"))
    task, _ = load_classifier_export(export)
    assert task.hparams.channel_names == CHANNELS
    old = tmp_path / "old_export"
    old.mkdir()
    for file in export.iterdir():
        (old / file.name).write_bytes(file.read_bytes())
    config = json.loads((old / "config.json").read_text())
    del config["task"]["channel_names"]
    (old / "config.json").write_text(json.dumps(config))
    old_task, _ = load_classifier_export(old)
    assert old_task.hparams.channel_names is None
    np.testing.assert_array_equal(predict_series(old_task, test.values), predict_series(task, test.values))
