"""Test helper: ETTh1's oil temperature with the hour of day as a known-future covariate, as CSV files in
the working folder, the data ending without the future rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_hour_of_day_files(shared_data: Path, rows: int, horizon: int) -> None:
    """Write ``train.csv`` (``date``, ``OT``, ``hour``: ETTh1's first ``rows`` rows, none after them),
    ``future.csv`` (``date``, ``hour`` of the ``horizon`` steps after them) and ``short.csv`` (the
    first 2 of those) into the working folder."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[
        : rows + horizon
    ]
    frame["hour"] = frame["date"].dt.hour
    frame[["date", "OT", "hour"]].iloc[:rows].to_csv("train.csv", index=False)
    frame[["date", "hour"]].iloc[rows:].to_csv("future.csv", index=False)
    frame[["date", "hour"]].iloc[rows : rows + 2].to_csv("short.csv", index=False)
