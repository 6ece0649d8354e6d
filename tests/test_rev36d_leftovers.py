"""Leftovers of the classification pass: the note
after a predict error on a folder or file no longer lists the fit's data.group_col and data.val_fraction
(they only split the fit there) as settings to override; a recording CSV with named channels and no id
column is told to go in a folder, not that it "looks like one recording per row" (the UCR layout)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.cli import restored_data
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


@pytest.fixture
def restored(monkeypatch):
    settings = {"data.val_fraction": 0.25, "data.group_col": "subject", "data.time_col": "t"}
    monkeypatch.setattr(restored_data, "RESTORED_DATA_SETTINGS", settings)
    monkeypatch.setattr(restored_data, "GIVEN_FILE_SETTINGS", {})
    monkeypatch.setattr(restored_data, "WINDOWED", {"data.window": False}, raising=False)


def hint(text: str) -> str:
    return restored_data.restored_settings_hint(DataError(text))


def test_split_settings_are_not_named_after_a_reading_error(restored):
    note = hint("bad: channel(s) ['acc_z'] the model was not fitted on")
    assert "data.time_col='t'" in note
    assert "group_col" not in note and "val_fraction" not in note


def test_split_settings_are_named_where_they_matter(restored, monkeypatch):
    note = hint("cannot take a stratified validation split; use a smaller val_fraction")
    assert "data.val_fraction=0.25" in note and "group_col" not in note
    monkeypatch.setattr(
        restored_data, "WINDOWED", {"data.window": True}, raising=False
    )  # a stream's rows: grouped
    assert "data.group_col='subject'" in hint("stream.csv: every sample needs its 'subject'")


def test_a_recording_csv_without_an_id_column_is_told_to_go_in_a_folder(tmp_path):
    path = tmp_path / "one.csv"
    pd.DataFrame(np.zeros((20, 3)), columns=["acc_x", "acc_y", "acc_z"]).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"no column\(s\) \['id'\]") as err:
        read_series(path)
    assert "put it in a folder of its own" in str(err.value)
    assert "one recording per row" not in str(err.value)


def test_a_headerless_wide_csv_with_text_labels_still_names_the_ucr_layout(tmp_path):
    """Its first row is read as the header: a label (``walk``) and numbers, not channel names."""
    path = tmp_path / "wide.csv"
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(6, 40)))
    frame.insert(0, "label", ["walk", "sit"] * 3)
    frame.to_csv(path, header=False, index=False)
    with pytest.raises(DataError, match="one recording per row"):
        read_series(path)
