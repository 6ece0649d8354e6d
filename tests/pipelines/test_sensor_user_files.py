"""Recordings as a new user writes them with pandas and NumPy: a CSV saved with pandas' index (the
``Unnamed: 0`` column ``df.to_csv(path)`` writes) is not read as a channel, a labels file may name the
recording CSVs without their ``.csv``, times under another name than ``time`` (``Time``, ``timestamp``)
are read as channels with a warning that names the fix, and a list of ``(length, channels)`` recordings
is named as transposed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set, read_csv_folder, read_csv_long, read_series

CHANNELS = ["acc_x", "acc_y", "gyro_z"]


def recordings(n: int = 4, length: int = 20) -> list[pd.DataFrame]:
    """``n`` recordings as frames ``time, acc_x, acc_y, gyro_z`` (one row per step), each indexed 0..length-1."""
    rng = np.random.default_rng(0)
    return [
        pd.DataFrame(rng.normal(size=(length, 3)), columns=CHANNELS).assign(time=np.arange(length) * 0.1)
        for _ in range(n)
    ]


def long_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One long frame concatenated from the recordings, each keeping its own index 0..length-1."""
    return pd.concat(
        part.assign(id=f"r{i}", label="walk" if i % 2 else "run") for i, part in enumerate(parts)
    )


@pytest.mark.parametrize("ignore_index", [False, True], ids=["index-per-recording", "index-over-file"])
def test_a_long_csv_saved_with_its_index_is_read_without_it(tmp_path, ignore_index):
    frame = long_frame(recordings())
    path = tmp_path / "long.csv"
    (frame.reset_index(drop=True) if ignore_index else frame).to_csv(path)  # pandas' default: index=True
    with pytest.warns(
        UserWarning, match=r"long.csv: column\(s\) \['Unnamed: 0'\] hold row numbers.*index=False"
    ):
        data = read_csv_long(path)
    assert data.channel_names == CHANNELS  # was ['Unnamed: 0', 'acc_x', 'acc_y', 'gyro_z']
    frame.to_csv(tmp_path / "clean.csv", index=False)
    clean = read_csv_long(tmp_path / "clean.csv")
    assert all(np.array_equal(a, b) for a, b in zip(data.values, clean.values, strict=True))

    # named by the caller, it is read as a channel; a column of other numbers is never left out
    assert read_csv_long(path, channels=["Unnamed: 0", "acc_x"]).n_channels == 2
    frame.assign(**{"Unnamed: 5": 7}).to_csv(path, index=False)
    assert read_series(path).channel_names == [*CHANNELS, "Unnamed: 5"]


def test_a_folder_of_csvs_saved_with_their_index_is_read_without_it(tmp_path):
    for i, part in enumerate(recordings()):
        part.to_csv(tmp_path / f"rec{i}.csv", index=i != 2)  # one written without it: same channels
    pd.DataFrame({"file": [f"rec{i}.csv" for i in range(4)], "label": ["a", "b"] * 2}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    with pytest.warns(UserWarning, match=r"\(3 of its 4 files: rec0.csv, rec1.csv, rec3.csv\): column"):
        data = read_csv_folder(tmp_path)
    assert data.channel_names == CHANNELS  # was an error: rec2.csv lacked the 'Unnamed: 0' channel
    assert data.sampling_step == pytest.approx(0.1)


def test_a_labels_file_may_name_the_recordings_without_csv(tmp_path):
    for i, part in enumerate(recordings()):
        part.to_csv(tmp_path / f"rec{i}.csv", index=False)
    labels = pd.DataFrame({"file": ["rec0", "rec1.csv", "rec2", "rec3"], "label": ["a", "b", "a", "b"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    assert list(read_csv_folder(tmp_path).labels) == ["a", "b", "a", "b"]  # was: no label for 3 file(s)

    labels.rename(columns={"file": "id"}).to_csv(tmp_path / "labels.csv", index=False)
    with pytest.raises(
        DataError, match=r"no column\(s\) \['file'\].*in a column 'file' and its class in 'label'"
    ):
        read_csv_folder(tmp_path)


def test_a_list_of_length_by_channels_recordings_is_named_as_transposed():
    rng = np.random.default_rng(0)
    listed = [rng.normal(size=(length, 12)) for length in (20, 26, 7)]  # (length_i, channels)
    with pytest.raises(DataError, match=r"has 26 channels but recording 0 has 20.*pass \[x\.T for x in X\]"):
        make_series_set(listed, ["a", "b", "a"])
    assert make_series_set([x.T for x in listed], ["a", "b", "a"]).n_channels == 12
    # recordings that differ in both axes are not named so
    with pytest.raises(DataError, match="needs the same channels.$"):
        make_series_set([rng.normal(size=(3, 20)), rng.normal(size=(4, 21))], ["a", "b"])


@pytest.mark.parametrize("name", ["Time", "timestamp"])
def test_times_under_another_name_are_read_as_channels_with_a_warning(tmp_path, name):
    parts = [part.rename(columns={"time": name}) for part in recordings()]
    long_frame(parts).to_csv(tmp_path / "long.csv", index=False)
    with pytest.warns(UserWarning, match=rf"\['{name}'\] are read as channels, as there is no 'time' column"):
        data = read_csv_long(tmp_path / "long.csv")
    assert data.channel_names == [*CHANNELS, name] and data.sampling_step is None
    assert read_csv_long(tmp_path / "long.csv", time_col=name).sampling_step == pytest.approx(0.1)  # the fix

    folder = tmp_path / "recordings"
    folder.mkdir()
    for i, part in enumerate(parts):
        part.to_csv(folder / f"rec{i}.csv", index=False)
    with pytest.warns(
        UserWarning, match=rf"recordings \(rec0.csv\): column\(s\) \['{name}'\].*time_col='{name}'"
    ):
        assert read_csv_folder(folder).n_channels == 4


def test_a_time_column_as_named_gives_no_warning(tmp_path, recwarn):
    long_frame(recordings()).to_csv(tmp_path / "long.csv", index=False)
    read_csv_long(tmp_path / "long.csv")
    read_csv_long(tmp_path / "long.csv", time_col=None)  # no times asked for: time is read as a channel
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
