"""Which files of a folder of recording CSVs are recordings: ``.csv`` in any case (Windows spreadsheets
save ``REC03.CSV``; matched case-sensitively, those recordings were dropped without a word, though
``labels.csv`` listed them), and not the hidden ``._rec00.csv`` metadata macOS writes beside each file
on a shared drive (it was read as a recording: "no label for ['._rec00.csv']; add rows for them").

The recordings are the first six of BasicMotions (UEA) TEST, one CSV each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.sensor import read_csv_folder, read_ts

CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
# AppleDouble: a binary header, then resource data; not a CSV at all
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(range(256))


@pytest.fixture(scope="module")
def recordings(shared_data):
    data = read_ts(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts")
    return data.subset(range(6))


def write_folder(folder, data, names):
    folder.mkdir()
    for name, values in zip(names, data.values, strict=True):
        pd.DataFrame(values.T, columns=CHANNELS).to_csv(folder / name, index=False)
    pd.DataFrame({"file": names, "label": data.labels}).to_csv(folder / "labels.csv", index=False)
    return folder


def test_upper_case_csv_files_are_recordings_too(recordings, tmp_path):
    names = ["rec00.csv", "rec01.csv", "rec02.csv", "REC03.CSV", "rec04.Csv", "REC05.CSV"]
    data = read_csv_folder(write_folder(tmp_path / "mixed", recordings, names))
    assert len(data) == 6 and sorted(data.ids) == sorted(names)
    by_name = dict(zip(names, zip(recordings.values, recordings.labels, strict=True), strict=True))
    for name, values, label in zip(data.ids, data.values, data.labels, strict=True):
        np.testing.assert_allclose(values, by_name[name][0])
        assert label == by_name[name][1]


def test_hidden_apple_double_files_are_left_out(recordings, tmp_path):
    names = [f"rec{i:02d}.csv" for i in range(6)]
    folder = write_folder(tmp_path / "copied_from_a_mac", recordings, names)
    for name in names[:2]:
        (folder / f"._{name}").write_bytes(APPLE_DOUBLE)
    data = read_csv_folder(folder)
    assert data.ids == names
    np.testing.assert_array_equal(data.labels, recordings.labels)
