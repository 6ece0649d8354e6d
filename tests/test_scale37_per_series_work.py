"""With thousands of series, the per-series pandas calls of two steps took most of their time: the
cells a fill invented (read by every fit, predict and backtest) were found with one ``isin`` per
series, and ``save`` converted the kept history one series at a time. Both now work on one block:
the number of pandas calls no longer grows with the number of series, and the results are the same."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting.series import load_series
from ssm_ts.pipelines.forecasting.series_spec import filled_cells, series_notes
from ssm_ts.tasks.forecast_export import _rows_from_json, _rows_to_json


def _long_table_with_gaps(n_series: int, time_kind: str = "date") -> pd.DataFrame:
    """``unique_id, ds, y``: 40 daily rows a series, later starts for some, a gap of 2 rows in every third."""
    rng = np.random.default_rng(0)
    parts = []
    for i in range(n_series):
        start = 5 * (i % 4)
        ds = pd.date_range("2021-01-01", periods=40, freq="D")[start:]
        part = pd.DataFrame({"unique_id": f"s{i:03d}", "ds": ds, "y": rng.normal(size=len(ds))})
        parts.append(part.drop(part.index[10:12]) if i % 3 == 0 else part)
    table = pd.concat(parts, ignore_index=True)
    if time_kind == "step":
        table["ds"] = (table["ds"] - pd.Timestamp("2021-01-01")).dt.days
    return table


def _cells_one_series_at_a_time(frame: pd.DataFrame, spec) -> np.ndarray:
    """The old reading: one ``isin`` per input column."""
    filled = series_notes(frame).filled
    times = frame[spec.time_col]
    return np.stack([times.isin(filled.get(n, ())).to_numpy() for n in spec.input_columns], axis=1)


def _counting(monkeypatch, cls, name: str) -> list[int]:
    calls = [0]
    original = getattr(cls, name)

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counted)
    return calls


@pytest.mark.parametrize("time_kind", ["date", "step"])
def test_filled_cells_are_found_in_one_look_up_for_every_series(monkeypatch, time_kind):
    counts = {}
    for n_series in (6, 60):
        frame, spec = load_series(_long_table_with_gaps(n_series, time_kind), fill="ffill")[:2]
        expected = _cells_one_series_at_a_time(frame, spec)
        assert expected.sum() == 2 * len(range(0, n_series, 3))  # the gaps, not the later starts
        with monkeypatch.context() as patched:
            calls = _counting(patched, pd.Series, "isin")
            cells = filled_cells(frame, spec)
        counts[n_series] = calls[0]
        np.testing.assert_array_equal(cells, expected)
        rows = frame.iloc[5:25]  # a slice finds its own cells
        np.testing.assert_array_equal(filled_cells(rows, spec), _cells_one_series_at_a_time(rows, spec))
    assert counts[60] == counts[6] == 0  # was one isin per series: 6 and 60


def test_filled_cells_of_repeated_times_are_still_found():
    frame, spec = load_series(_long_table_with_gaps(6), fill="ffill")[:2]
    doubled = pd.concat([frame, frame], ignore_index=True)
    doubled.attrs = frame.attrs
    np.testing.assert_array_equal(filled_cells(doubled, spec), _cells_one_series_at_a_time(doubled, spec))


def test_saved_history_converts_every_series_at_once(monkeypatch):
    counts = {}
    for n_series in (5, 50):
        frame, spec = load_series(_long_table_with_gaps(n_series), fill="ffill")[:2]
        frame = frame.astype({spec.targets[0]: "float32"})  # a column of another dtype is saved as float64
        with monkeypatch.context() as patched:
            calls = _counting(patched, pd.Series, "astype")
            saved = _rows_to_json(frame, spec.time_col, spec.input_columns)
        counts[n_series] = calls[0]
        old = {c: frame[c].astype(float).tolist() for c in spec.input_columns}  # the JSON save writes
        assert json.dumps(saved["values"]) == json.dumps(old)
        restored = _rows_from_json(saved, spec)
        np.testing.assert_array_equal(
            restored[spec.input_columns].to_numpy(), frame[spec.input_columns].to_numpy("float64")
        )
    assert counts[50] == counts[5]  # was one astype per series: 5 and 50
