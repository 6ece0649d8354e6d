"""A folder of recording CSVs without ``labels.csv`` (new recordings to classify) is read unlabelled:
``ssm-ts classify predict --data.path folder`` stopped with "data file not found: labels.csv", though
predicting needs no labels. A fit on such a folder names the labels file it needs.

The recordings are BasicMotions (UEA) TEST, one CSV each (``time, acc_x, ...``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError, DataFileNotFoundError
from ssm_ts.pipelines.sensor import SensorDataModule, read_csv_folder, read_series, read_ts
from tests.cli_runs import classify_predict

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]


@pytest.fixture(scope="module")
def test_split(shared_data):
    return read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts")


def write_folder(folder, data, labelled: bool):
    folder.mkdir()
    for i, values in enumerate(data.values):
        frame = pd.DataFrame(values.T, columns=CHANNELS)
        frame.insert(0, "time", np.arange(values.shape[1]) * 0.1)
        frame.to_csv(folder / f"rec{i:02d}.csv", index=False)
    if labelled:
        names = [f"rec{i:02d}.csv" for i in range(len(data))]
        pd.DataFrame({"file": names, "label": data.labels}).to_csv(folder / "labels.csv", index=False)
    return folder


def test_a_folder_without_labels_reads_unlabelled(test_split, tmp_path):
    unlabelled = read_series(write_folder(tmp_path / "new", test_split, labelled=False))
    labelled = read_series(write_folder(tmp_path / "known", test_split, labelled=True))
    assert unlabelled.labels is None and unlabelled.ids == labelled.ids
    for a, b in zip(unlabelled.values, labelled.values, strict=True):
        np.testing.assert_array_equal(a, b)
    # a labels file named explicitly must exist
    with pytest.raises(DataFileNotFoundError, match="classes.csv"):
        read_csv_folder(tmp_path / "new", "classes.csv")


def test_a_fit_on_it_names_the_labels_file(test_split, tmp_path):
    folder = write_folder(tmp_path / "new", test_split, labelled=False)
    module = SensorDataModule(path=str(folder))
    with pytest.raises(DataError, match=r"no labels\.csv.*columns file, label"):
        module.setup("fit")


def test_classify_predict_on_it_writes_predictions(
    basicmotions_random_features_cli_fit, test_split, tmp_path, monkeypatch
):
    ckpt, _, _ = basicmotions_random_features_cli_fit
    folder = write_folder(tmp_path / "new", test_split, labelled=False)
    monkeypatch.chdir(tmp_path)
    frame = classify_predict(ckpt, folder, tmp_path / "predicted")
    assert frame["id"].tolist() == [f"rec{i:02d}.csv" for i in range(len(test_split))]
    assert "label" not in frame.columns
    assert (frame["predicted"].to_numpy() == test_split.labels).mean() >= 0.9
