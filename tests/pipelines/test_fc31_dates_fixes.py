"""Fixes that use a CSV's time column as dates (``.dt.to_period``, ``.dt.floor``, ``resample``) run as
written: ``pd.read_csv`` gives the times as text, so the fix reads the CSV and parses them first (day
first where the file writes them so)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

_FIX = re.compile(r"df = (pd\.read_csv\(path.*?\)), then (.*?), and pass the DataFrame")


def _fixed_frames(path, **load) -> list[pd.DataFrame]:
    """Each CSV fix in ``load_series(path)``'s error, run as a user pastes it: the frames they give."""
    with pytest.raises(DataError) as error:
        load_series(path, **load)
    fixes = _FIX.findall(str(error.value))
    assert fixes, str(error.value)
    frames = []
    for read, fix in fixes:
        scope = {"pd": pd, "path": path}
        for statement in [f"df = {read}", *fix.split(", then ")]:
            exec(statement, scope)
        frames.append(scope["df"])
    return frames


def test_mid_month_dates_become_periods(tmp_path):
    path = tmp_path / "sales.csv"
    months = pd.date_range("2001-01-01", periods=24, freq="MS") + pd.Timedelta(days=14)
    pd.DataFrame({"month": months, "sales": np.arange(24.0)}).to_csv(path, index=False)
    (frame,) = _fixed_frames(path)
    values, spec = load_series(frame)
    assert spec.periods and spec.freq == "M"
    assert values["month"].iloc[0] == pd.Period("2001-01", "M")


def test_wide_columns_at_offset_times_resample(tmp_path):
    path = tmp_path / "loggers.csv"
    hours = pd.date_range("2020-01-01", periods=24, freq="h")
    wide = pd.DataFrame({"ds": hours.append(hours + pd.Timedelta(minutes=30))}).sort_values("ds")
    wide["a"] = np.where(wide["ds"].dt.minute == 0, 1.0, np.nan)
    wide["b"] = np.where(wide["ds"].dt.minute == 30, 2.0, np.nan)
    wide.to_csv(path, index=False)
    (frame,) = _fixed_frames(path)
    values, spec = load_series(frame)
    assert spec.freq == "h" and len(values) == 24


def test_day_first_long_table_at_offset_times_floors_and_resamples(tmp_path):
    """01/02/2020 is the 1st of February here (the 13th on later rows proves it): the fix parses so."""
    path = tmp_path / "meters.csv"
    hours = pd.date_range("2020-02-01", periods=300, freq="h")
    rows = [("a", hours, 1.0), ("b", hours + pd.Timedelta(minutes=30), 2.0)]
    long = pd.concat(
        [pd.DataFrame({"unique_id": i, "ds": t.strftime("%d/%m/%Y %H:%M"), "y": y}) for i, t, y in rows]
    )
    long.to_csv(path, index=False)
    floored, resampled = _fixed_frames(path)
    for frame in (floored, resampled):
        values, spec = load_series(frame)
        assert spec.freq == "h" and values["ds"].iloc[0] == hours[0] and spec.targets == ["a", "b"]


def test_a_coarser_freq_resamples_a_csv_first(tmp_path):
    path = tmp_path / "quarter_hours.csv"
    times = pd.date_range("2020-01-01", periods=96, freq="15min")
    pd.DataFrame({"date": times, "kw": np.arange(96.0)}).to_csv(path, index=False)
    (frame,) = _fixed_frames(path, freq="h")
    values, spec = load_series(frame, freq="h")
    assert len(values) == 24 and values["kw"].iloc[0] == 1.5  # the mean of 0, 1, 2, 3


def test_a_spreadsheet_export_is_read_as_the_reader_read_it(tmp_path):
    """';'-separated, decimal commas, Windows-1252: pd.read_csv(path) alone gives one text column."""
    path = tmp_path / "umsatz.csv"
    months = (pd.date_range("2001-01-01", periods=24, freq="MS") + pd.Timedelta(days=14)).strftime("%Y-%m-%d")
    table = pd.DataFrame(
        {"Monat": months, "Umsatz €": [f"{v:.2f}".replace(".", ",") for v in np.arange(24.0)]}
    )
    table.to_csv(path, sep=";", index=False, encoding="cp1252")
    (frame,) = _fixed_frames(path)
    values, spec = load_series(frame)
    assert spec.periods and spec.targets == ["Umsatz €"] and values["Umsatz €"].iloc[1] == 1.0
