"""``ssm-ts classify predict --data.path one.npy`` of one recording saved as a 2-D array
``(channels, length)`` (``np.save(path, x)``) is read as ``(n, length)``: as many recordings of one
channel. The channel-count error said only "1 channels, but the model was trained on 6"; it now says
how to save one recording, ``np.save(path, x[None])``, the shape a file of recordings takes."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SensorDataModule
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.classification_setup import match_datamodule

RANDOM = {"model": "random_features", "model_options": {"n_kernels": 20, "seed": 0}}


@pytest.fixture
def task() -> ClassificationTask:
    return ClassificationTask(**RANDOM, n_channels=6, classes=["sit", "walk"])


def predict_setup(path, task: ClassificationTask) -> SensorDataModule:
    module = SensorDataModule(predict_path=str(path))
    module.setup("predict")
    match_datamodule(task, module, "predict")
    return module


def test_a_2d_array_of_one_recording_is_told_how_to_save_it(task, tmp_path):
    x = np.random.default_rng(0).normal(size=(6, 50))
    np.save(tmp_path / "one.npy", x)
    with pytest.raises(DataError, match=r"one\.npy: 1 channel, but the model was trained on 6") as err:
        predict_setup(tmp_path / "one.npy", task)
    assert "If the file is one recording of 6 channels saved as a 2-D array (channels, length)" in str(
        err.value
    )
    assert "np.save(path, x[None])" in str(err.value)
    np.save(tmp_path / "fixed.npy", x[None])  # the fix it names
    assert predict_setup(tmp_path / "fixed.npy", task).predict_set.n_channels == 6


def test_one_channel_recordings_of_another_count_get_no_such_hint(task, tmp_path):
    np.save(tmp_path / "four.npy", np.zeros((4, 50)))
    with pytest.raises(DataError, match="1 channel, but the model was trained on 6") as err:
        predict_setup(tmp_path / "four.npy", task)
    assert "x[None]" not in str(err.value)
