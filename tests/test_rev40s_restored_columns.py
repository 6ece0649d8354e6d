"""A checkpoint's ``label_col`` / ``time_col`` (a CSV fit's, restored by ``ssm-ts classify test`` or
``predict``) name the fit's columns: a ``.ts``, ``.arff`` or NumPy file given to test or predict
(``--data.path new.npz``) is read as its format says, without them. They stopped predict with "Leave
--data.label_col activity out", settings the user never gave. Given for the data a fit reads, they are
still an error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor.datamodule import SensorDataModule


@pytest.fixture
def npz_file(tmp_path):
    """Four recordings of one channel x 20 steps, labelled, as new.npz."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "new.npz", X=rng.normal(size=(4, 1, 20)), y=np.array(["a", "b"] * 2))
    return tmp_path / "new.npz"


def test_test_predict_and_validate_read_a_numpy_file_without_the_columns(npz_file):
    """data.path a .npz with a CSV fit's columns (restored): read, not refused; a fit refuses them."""
    for stage in ("test", "predict", "validate"):
        module = SensorDataModule(
            str(npz_file), test_path=str(npz_file), label_col="activity", time_col="t", val_fraction=0.5
        )
        module.setup(stage)
    assert len(module.train_set) + len(module.val_set) == 4
    predicted = SensorDataModule(str(npz_file), label_col="activity", time_col="t")
    predicted.setup("predict")
    assert len(predicted.predict_set) == 4
    with pytest.raises(
        DataError, match=r"new\.npz is a NumPy file .*Leave label_col='activity' and time_col"
    ):
        SensorDataModule(str(npz_file), label_col="activity", time_col="t").setup("fit")


def test_classify_predict_of_a_numpy_file_with_a_csv_fits_columns(
    basicmotions_random_features_cli_fit, shared_data, tmp_path, monkeypatch
):
    """The session's BasicMotions fit, its checkpoint given a CSV fit's columns: predict on the TEST
    split saved as a .npz classifies it as the .ts it came from."""
    from ssm_ts.pipelines.sensor import read_ts

    monkeypatch.chdir(tmp_path)
    ckpt, _, _ = basicmotions_random_features_cli_fit
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    checkpoint["datamodule_hyper_parameters"].update(label_col="activity", time_col="t")
    torch.save(checkpoint, tmp_path / "csv_fit.ckpt")
    test = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts")
    np.savez(tmp_path / "test.npz", X=np.stack(test.values)[:8])
    args = ["classify", "predict", "--ckpt_path", "csv_fit.ckpt", "--data.path", "test.npz", "--out", "p"]
    assert cli.main(args) == 0
    assert len(pd.read_csv(tmp_path / "p" / "predictions.csv")) == 8
