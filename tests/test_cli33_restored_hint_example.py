"""The note after an error reading the data with settings restored from a checkpoint ends with an example
override. It was always the first restored setting (``--data.time_col``), also when the fit's
``read_options`` were at fault: a ``,`` file read with the fit's ``sep=';'`` ("time column 'date' not
found; columns are ['date,OT']"), or ISO dates against the fit's ``date_format``. The example now names
the setting at fault, as an option that works when pasted."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.cli import restored_data
from ssm_ts.errors import DataError

FIT_OPTIONS = {"sep": ";", "decimal": ",", "date_format": "%d.%m.%Y %H:%M"}


@pytest.fixture
def restored(tmp_path, monkeypatch):
    """The settings a predict restored from a fit of a ``;`` CSV, and ``today.csv``, a ``,`` CSV given by
    ``--data.path``."""
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=8, freq="h"), "OT": range(8)})
    frame.to_csv(tmp_path / "today.csv", index=False)
    frame.to_csv(tmp_path / "today_semi.csv", index=False, sep=";", decimal=",")
    settings = {"data.time_col": "date", "data.target": "OT", "data.read_options": FIT_OPTIONS}
    monkeypatch.setattr(restored_data, "RESTORED_DATA_SETTINGS", settings)
    monkeypatch.setattr(restored_data, "GIVEN_FILE_SETTINGS", {"data.path": str(tmp_path / "today.csv")})
    return tmp_path


def hint(text: str) -> str:
    return restored_data.restored_settings_hint(DataError(text))


def test_a_separator_the_fit_read_with_is_the_example(restored):
    text = f"time column 'date' not found in {restored / 'today.csv'}; columns are ['date,OT']."
    assert hint(text).endswith(
        "e.g. --data.read_options '{}' to detect how this file is written, or the options that read it)"
    )


def test_a_date_format_the_error_names_is_the_example(restored, monkeypatch):
    monkeypatch.setattr(restored_data, "GIVEN_FILE_SETTINGS", {"data.path": str(restored / "today_semi.csv")})
    text = (
        f"{restored / 'today_semi.csv'}: column 'date' has values that are not dates at rows 0, 1 (e.g. "
        "'2024-01-01 00:00:00') that match read_options date_format '%d.%m.%Y %H:%M'; fix or remove those rows."
    )
    assert "e.g. --data.read_options '{}'" in hint(text)


def test_a_time_column_the_file_lacks_stays_the_example(restored, monkeypatch):
    """The file reads alike with the fit's options and by detection: the time column is at fault."""
    monkeypatch.setattr(restored_data, "GIVEN_FILE_SETTINGS", {"data.path": str(restored / "today_semi.csv")})
    text = f"time column 'date' not found in {restored / 'today_semi.csv'}; columns are ['Date', 'OT']."
    assert hint(text).endswith("e.g. --data.time_col with the value for this file)")


def test_a_target_the_error_quotes_is_the_example(restored, monkeypatch):
    monkeypatch.setattr(restored_data, "GIVEN_FILE_SETTINGS", {"data.path": str(restored / "today_semi.csv")})
    text = f"{restored / 'today_semi.csv'} has no column 'OT'; columns are ['date', 'oil']."
    assert hint(text).endswith("e.g. --data.target with the value for this file)")
