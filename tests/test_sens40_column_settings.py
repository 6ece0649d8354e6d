"""``label_col`` / ``time_col`` for a file without named columns (UCR/UEA ``.ts``, ``.arff``, NumPy, FSDD)
are an error naming the file, its format, the setting and the fix; they were silently ignored. The
columns of a CSV fit still read its test and predict files of another format (a checkpoint restores them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series
from ssm_ts.pipelines.sensor.datamodule import SensorDataModule

QUIET = ["--trainer.max_epochs", "1", "--trainer.enable_progress_bar", "false", "--trainer.logger", "false"]
CLASSIFY = ["--model.model", "s4d1d", "--model.model_options", "{d_model: 4, n_layers: 1, d_state: 4}",
            "--data.batch_size", "4", *QUIET]  # fmt: skip


@pytest.fixture
def npz_file(tmp_path):
    """Six recordings of 2 channels x 20 steps, two classes, as data.npz."""
    rng = np.random.default_rng(0)
    path = tmp_path / "data.npz"
    np.savez(path, X=rng.normal(size=(6, 2, 20)), y=np.array(["a", "b"] * 3))
    return path


def test_read_series_refuses_columns_of_ts_arff_and_numpy(shared_data, npz_file):
    folder = shared_data / "classification"
    files = {
        folder / "GunPoint" / "GunPoint_TRAIN.ts": "a UCR/UEA .ts file (format 'ts')",
        folder / "BasicMotions" / "BasicMotions_TRAIN.arff": "a Weka .arff file (format 'arff')",
        npz_file: "a NumPy file (format 'numpy')",
    }
    for path, kind in files.items():
        with pytest.raises(DataError) as err:
            read_series(path, label_col="activity")
        message = str(err.value)
        assert message.startswith(f"{path} is {kind}, which has no named columns")
        assert "Leave label_col='activity' out: it names a column of a CSV" in message
        with pytest.raises(DataError, match=r"Leave label_col='y' and time_col='t' out: they name columns"):
            read_series(path, label_col="y", time_col="t")
        assert len(read_series(path, label_col="label", time_col=None)) > 0  # the defaults ask nothing


def test_data_module_refuses_them_for_a_ucr_folder_and_fsdd(shared_data):
    module = SensorDataModule(str(shared_data / "classification" / "GunPoint"), time_col="t", val_fraction=0)
    with pytest.raises(
        DataError, match=r"GunPoint_TRAIN\.ts is a UCR/UEA \.ts file .*Leave time_col='t' out"
    ):
        module.setup("fit")
    with pytest.raises(DataError, match=r"is FSDD audio \(format 'fsdd'\).*Leave label_col='digit' out"):
        SensorDataModule("fsdd", format="fsdd", label_col="digit")


def test_a_csv_fits_columns_still_read_a_numpy_test_file(tmp_path, npz_file):
    """A CSV fit's label and time columns, restored by a checkpoint, do not refuse a .npz to test."""
    rng = np.random.default_rng(1)
    rows = [
        {"id": f"r{i}", "t": 0.1 * t, "a": rng.normal(), "b": rng.normal(), "activity": "ab"[i % 2]}
        for i in range(6)
        for t in range(20)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "long.csv", index=False)
    module = SensorDataModule(
        str(tmp_path / "long.csv"),
        test_path=str(npz_file),
        label_col="activity",
        time_col="t",
        val_fraction=0,
    )
    module.setup("fit")
    module.setup("test")
    assert module.train_set.channel_names == ["a", "b"] and len(module.test_set) == 6


def test_classify_fit_names_the_option(shared_data, tmp_path, monkeypatch, single_thread, capsys):
    monkeypatch.chdir(tmp_path)
    arff = shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.arff"
    assert (
        cli.main(["classify", "fit", "--data.path", str(arff), "--data.label_col", "activity", *CLASSIFY])
        == 1
    )
    err = capsys.readouterr().err
    assert f"{arff} is a Weka .arff file (format 'arff'), which has no named columns" in err
    assert "Leave --data.label_col activity out: it names a column of a CSV" in err
