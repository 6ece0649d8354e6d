"""Warnings and errors that fired on legitimate inputs (false alarms): a df-list channel named as time
that is a measurement, not a clock; a labels.csv column beside file and label that groups no
recordings (notes, a value per recording, the label's own code); a home-folder path whose file name
holds a ``$``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.pipelines.sensor.folder_groups import warn_of_unused_group_columns
from ssm_ts.pipelines.sensor.nested import read_frame_list
from ssm_ts.shell_paths import expand_path


def _frames(column: str, values) -> list[pd.DataFrame]:
    rng = np.random.default_rng(0)
    return [pd.DataFrame({"acc": rng.normal(size=20), column: values(rng)}) for _ in range(3)]


def test_a_measurement_named_as_time_in_a_df_list_does_not_warn():
    frames = _frames("reaction_time", lambda rng: rng.uniform(0.2, 0.5, 20))  # up and down
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read = read_frame_list(frames)
    assert read.names == ["acc", "reaction_time"]  # a channel, as before


def test_a_clock_column_in_a_df_list_still_warns():
    frames = _frames("time", lambda rng: np.arange(20) / 50)
    with pytest.warns(UserWarning, match=r"column\(s\) \['time'\] are read as channels"):
        read_frame_list(frames)


def _labels(folder, **columns) -> None:
    folder.mkdir()
    table = pd.DataFrame({"file": [f"r{i}.csv" for i in range(8)], "label": ["walk", "sit"] * 4, **columns})
    table.to_csv(folder / "labels.csv", index=False)


@pytest.mark.parametrize(
    "columns",
    [
        {"notes": [f"take {i}" for i in range(8)]},  # a value per recording
        {"duration_s": [2.5, 3.1, 2.9, 3.3, 2.2, 3.0, 2.7, 3.4]},  # fractional numbers
        {"device": ["watch"] * 8},  # the same for every recording
        {"label_id": [1, 0] * 4},  # the label's own code
    ],
)
def test_a_labels_column_that_groups_no_recordings_does_not_warn(tmp_path, columns):
    _labels(tmp_path / "rec", **columns)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakyValidationWarning)
        warn_of_unused_group_columns(tmp_path / "rec", 0.25, None)


def test_a_subject_column_beside_a_notes_column_is_the_one_named(tmp_path):
    _labels(tmp_path / "rec", notes=[f"take {i}" for i in range(8)], subject=[1, 1, 2, 2, 3, 3, 4, 4])
    with pytest.warns(LeakyValidationWarning, match=r"column\(s\) \['subject'\].*--data.group_col subject"):
        warn_of_unused_group_columns(tmp_path / "rec", 0.25, None)


def test_a_home_file_whose_name_holds_a_dollar_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("usd", raising=False)
    (tmp_path / "prices$usd.csv").write_text("time,x\n0,1\n")
    assert expand_path("~/prices$usd.csv", "data.path") == str(tmp_path / "prices$usd.csv")
