"""``--data.group_col`` on a folder of recording CSVs reads each recording's subject from its
``labels.csv`` (``file, label, subject``): the validation split holds out whole subjects. It was an
``AttributeError`` (``_windows_read``) for anything but a stream cut with ``--data.window``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import SensorDataModule


def _folder(path, subjects=("s1", "s2", "s3", "s4"), group_col="subject"):
    """Four subjects x (walk, sit) x 2 recordings, one CSV each, and labels.csv naming the subject."""
    rng = np.random.default_rng(0)
    path.mkdir()
    rows = []
    for subject in subjects:
        for label in ("walk", "sit"):
            for i in range(2):
                name = f"{subject}_{label}_{i}.csv"
                pd.DataFrame(rng.normal(size=(20, 2)), columns=["acc_x", "acc_y"]).to_csv(
                    path / name, index=False
                )
                rows.append((name, label, subject))
    pd.DataFrame(rows, columns=["file", "label", group_col]).to_csv(path / "labels.csv", index=False)
    return path


def _subject(recording_id: str) -> str:
    return recording_id.split("_")[0]


def test_folder_group_col_holds_out_whole_subjects(tmp_path):
    module = SensorDataModule(path=str(_folder(tmp_path / "rec")), group_col="subject", val_fraction=0.25)
    module.setup("fit")
    train = {_subject(i) for i in module.train_set.ids}
    val = {_subject(i) for i in module.val_set.ids}
    assert val and train and not train & val  # whole subjects, on one side only
    assert len(module.val_set) == 4  # one subject of four: its walk and sit recordings
    assert [_subject(i) for i in module.train_set.ids] == list(module.train_groups)
    assert set(module.val_set.labels) == {"walk", "sit"}


def test_folder_group_col_missing_column_names_the_labels_file(tmp_path):
    folder = _folder(tmp_path / "rec", group_col="person")
    module = SensorDataModule(path=str(folder), group_col="subject", val_fraction=0.25)
    with pytest.raises(
        DataError,
        match=r"labels.csv: no column 'subject' \(data.group_col\) among \['file', 'label', 'person'\]",
    ):
        module.setup("fit")


def test_group_col_on_one_file_without_window_says_what_it_applies_to(tmp_path, shared_data):
    path = shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts"
    module = SensorDataModule(path=str(path), group_col="subject", val_fraction=0.25)
    with pytest.raises(
        ConfigError, match=r"subject column of a stream \(with data.window\) or of a folder's labels.csv"
    ):
        module.setup("fit")


def test_a_random_split_of_a_folder_with_a_subject_column_warns_with_the_setting(tmp_path):
    from ssm_ts.leaky_validation import LeakyValidationWarning

    folder = _folder(tmp_path / "rec")
    module = SensorDataModule(path=str(folder), val_fraction=0.25)
    with pytest.warns(
        LeakyValidationWarning,
        match=r"column\(s\) \['subject'\] beside file and label.*--data.group_col subject",
    ):
        module.setup("fit")
    quiet = SensorDataModule(path=str(folder), val_fraction=0)  # no split: nothing leaks
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakyValidationWarning)
        quiet.setup("fit")
