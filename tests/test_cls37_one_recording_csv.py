"""One recording's CSV (a row per time step, a column per channel, ``time``; no ``id`` column) is
classified as it is: ``ssm-ts classify predict --data.path walk.csv`` stopped with "no column(s)
['id'] ... put it in a folder of its own". It is read by the folder reader's code, with the channels
the model was fitted on (taken from the checkpoint's model before the data is read), so it gives the
prediction a folder holding just that file gives; a file without those columns is an error naming the
file, its missing and extra columns and the fix.

The recordings are BasicMotions (UEA) TEST, one CSV each (``time, acc_x, ...``); the model is the
session's random-features fit, given channel names in a copy of its checkpoint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import (
    SensorDataModule,
    match_channels,
    read_csv_folder,
    read_csv_recording,
    read_ts,
)
from ssm_ts.tasks.classification import predict_series
from tests.cli.test_classify_cli import task_from_checkpoint
from tests.cli_runs import classify_predict

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
SHUFFLED = CHANNELS[::-1]


@pytest.fixture(scope="module")
def recording(shared_data) -> np.ndarray:
    """Recording 3 of the TEST split, ``(6, 100)``."""
    return read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts").values[3]


def write_recording(path, values: np.ndarray, columns: list[str] = SHUFFLED):
    frame = pd.DataFrame({name: values[CHANNELS.index(name)] for name in columns})
    frame.insert(0, "time", np.arange(values.shape[1]) * 0.1)
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def named_ckpt(basicmotions_random_features_cli_fit, tmp_path):
    """The session's fit (on the .ts files: no names) saved again with channel names, as a fit on
    CSVs keeps them."""
    ckpt, _, _ = basicmotions_random_features_cli_fit
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    checkpoint["hyper_parameters"]["channel_names"] = CHANNELS
    path = tmp_path / "named.ckpt"
    torch.save(checkpoint, path)
    return path


def test_one_file_reads_as_in_a_folder_in_the_fitted_order(recording, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    write_recording(folder / "walk.csv", recording, CHANNELS)
    one = read_csv_recording(write_recording(tmp_path / "walk.csv", recording), CHANNELS)
    in_folder = read_csv_folder(folder)
    assert one.ids == in_folder.ids == ["walk.csv"] and one.labels is None
    assert one.channel_names == CHANNELS and one.sampling_step == in_folder.sampling_step == 0.1
    np.testing.assert_array_equal(one.values[0], in_folder.values[0])
    # without fitted names: its own columns, in file order
    assert read_csv_recording(tmp_path / "walk.csv").channel_names == SHUFFLED


def test_classify_predict_on_one_file_is_its_prediction_in_a_folder(
    named_ckpt, recording, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    write_recording(tmp_path / "folder" / "walk.csv", recording)
    one = classify_predict(named_ckpt, write_recording(tmp_path / "walk.csv", recording), "one")
    assert one["id"].tolist() == ["walk.csv"] and one["predicted"].tolist() == ["Standing"]  # its label
    # the folder holding just that file, read as classify predict reads it (by name, the fitted order)
    task = task_from_checkpoint(named_ckpt)
    in_folder = match_channels(read_csv_folder(tmp_path / "folder"), CHANNELS)
    proba = predict_series(task, in_folder.values)
    np.testing.assert_array_equal(one[[f"p_{c}" for c in task.classes]].to_numpy(), proba)


def test_a_file_without_the_fitted_columns_is_named_with_the_fix(
    named_ckpt, recording, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    frame = pd.read_csv(write_recording(tmp_path / "walk.csv", recording))
    frame.rename(columns={"acc_x": "ax"}).drop(columns=["gyr_z"]).to_csv("bad.csv", index=False)
    args = ["classify", "predict", "--ckpt_path", str(named_ckpt), "--data.path", "bad.csv", "--out", "out"]
    assert cli.main(args) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "bad.csv: no channel(s) ['acc_x', 'gyr_z'] and channel(s) ['ax'] the model was not fitted on" in err
    ), err
    assert "has no 'id' column, so it is read as one recording" in err
    assert "rename or drop its other columns" in err
    # in Python, with the names given (clf.feature_names_in_, a task's hparams.channel_names)
    module = SensorDataModule(predict_path=str(tmp_path / "bad.csv"))
    module.fitted_channel_names = CHANNELS
    with pytest.raises(DataError, match=r"bad\.csv: no channel\(s\) \['acc_x', 'gyr_z'\]"):
        module.setup("predict")


def test_read_options_read_the_one_file(recording, tmp_path):
    """``skipfooter`` (a file's note below its rows) with the header check's row limit: pandas takes one."""
    path = write_recording(tmp_path / "walk.csv", recording)
    with path.open("a") as file:
        file.write("exported by the logger\n")
    module = SensorDataModule(predict_path=str(path), read_options={"skipfooter": 1})
    module.fitted_channel_names = CHANNELS
    module.setup("predict")
    assert module.predict_set.ids == ["walk.csv"] and module.predict_set.lengths.tolist() == [100]
    np.testing.assert_array_equal(module.predict_set.values[0], recording)


def test_a_long_csv_without_its_id_column_is_told_to_name_the_recordings(tmp_path):
    """Read as one recording, its times repeat at each recording's start: the error says to name them."""
    frame = pd.DataFrame(
        {"rec": np.repeat([0, 1, 2], 10), "time": np.tile(np.arange(10), 3), "x": np.arange(30.0)}
    )
    frame.to_csv(tmp_path / "long.csv", index=False)
    module = SensorDataModule(predict_path=str(tmp_path / "long.csv"))
    with pytest.raises(DataError, match=r"long\.csv: time 0 occurs on 3 rows") as err:
        module.setup("predict")
    assert "If the file holds several recordings, name each row's recording in a column 'id'" in str(
        err.value
    )
