"""``ssm-ts classify predict --data.path walks.npy`` of recordings saved as ``(n, length, channels)``:
the channel-count error said they look transposed and to "pass X.transpose(0, 2, 1)", which a file on
the command line cannot be; it now says to save the file's array transposed. Arrays given to
``SSMClassifier`` still get the line that passes them so."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SensorDataModule, transposed_hint
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tasks.classification_setup import match_datamodule


def test_a_transposed_npy_file_is_to_be_saved_transposed(tmp_path):
    path = tmp_path / "walks.npy"
    np.save(path, np.random.default_rng(0).normal(size=(3, 50, 6)))  # (n, length, channels)
    task = ClassificationTask(
        model="random_features",
        model_options={"n_kernels": 20, "seed": 0},
        n_channels=6,
        classes=["sit", "walk"],
    )
    module = SensorDataModule(predict_path=str(path))
    module.setup("predict")
    with pytest.raises(DataError, match="they look transposed") as err:
        match_datamodule(task, module, "predict")
    assert f"np.save({str(path)!r}, X.transpose(0, 2, 1))" in str(err.value)
    assert "pass X.transpose" not in str(err.value)


def test_arrays_are_still_passed_transposed():
    assert "pass X.transpose(0, 2, 1)" in transposed_hint([6, 6], 6)
    assert "pass X.transpose(0, 2, 1)" in transposed_hint([6, 6], 6, "walks.ts")
