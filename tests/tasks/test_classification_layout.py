"""Transposed recordings ``(n, length, channels)`` in the task's routes (``ssm-ts classify`` and the
logged MLflow model): a fit on them warns, predict's channel error names the transpose."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import LayoutWarning, SensorDataModule, make_series_set, read_ts
from ssm_ts.tasks.classification import ClassificationTask, predict_series
from ssm_ts.training import build_trainer

RANDOM = {"model": "random_features", "model_options": {"n_kernels": 100, "seed": 0}}


def _fit(train, tmp_path) -> ClassificationTask:
    dm = SensorDataModule.from_series(train=train, val_fraction=0, batch_size=16, seed=0)
    task = ClassificationTask(**RANDOM)
    trainer = build_trainer(
        max_epochs=1, out_dir=tmp_path, progress=False, monitor="train_loss", limit_val_batches=0
    )
    trainer.fit(task, dm)
    return task


def test_fit_on_transposed_recordings_warns(gunpoint_ucr, tmp_path):
    train, _ = gunpoint_ucr
    transposed = make_series_set(np.stack(train.values).transpose(0, 2, 1), train.labels, source="gp.npz")
    with pytest.warns(LayoutWarning, match=r"gp.npz: every recording has more channels \(150\)"):
        _fit(transposed, tmp_path)


def test_predict_of_transposed_recordings_names_the_transpose(shared_data, tmp_path):
    folder = shared_data / "classification" / "BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    task = _fit(train, tmp_path)
    # the logged MLflow model's route: recordings straight to predict_series
    with pytest.raises(DataError, match="X has 100 channels but the classifier was fitted on 6") as err:
        predict_series(task, [v.T for v in test.values])
    assert "look transposed" in str(err.value)
    # the CLI's route: a file of (length, channels) recordings given to a fitted checkpoint
    flipped = make_series_set([v.T for v in test.values], test.labels, source="flipped.npz")
    dm = SensorDataModule.from_series(train=train, predict=flipped, batch_size=16)
    with pytest.raises(DataError, match="flipped.npz: 100 channels, but the model was trained on 6") as err:
        build_trainer(max_epochs=1, out_dir=tmp_path, progress=False).predict(task, dm)
    assert "X.transpose(0, 2, 1)" in str(err.value)
