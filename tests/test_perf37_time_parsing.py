"""Reading a time column of ISO text does not extract numeric-date parts from every cell (the extract
took 40 ms of a 50 ms read of ETTh1's times, on every fit, predict and backtest); numeric dates still
read in the order their values prove."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.core.strings.accessor import StringMethods

from ssm_ts.pipelines.forecasting.dates import parse_text_times
from tests.call_counts import counted_calls


@pytest.fixture
def extract_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return counted_calls(monkeypatch, StringMethods, "extract")


def test_iso_times_are_parsed_without_extracting_date_parts(extract_calls: list[int]) -> None:
    raw = pd.Series([f"2016-07-01 {h:02d}:00:00" for h in range(24)] + [None], name="date")
    parsed = parse_text_times(raw, "data.csv: column 'date'")
    assert extract_calls == []
    assert parsed.iloc[0] == pd.Timestamp("2016-07-01 00:00") and parsed.iloc[23] == pd.Timestamp(
        "2016-07-01 23:00"
    )
    assert pd.isna(parsed.iloc[24])


def test_numeric_dates_still_read_in_the_order_they_prove(extract_calls: list[int]) -> None:
    raw = pd.Series(["13/01/2020", "14/01/2020", "15/01/2020", "2020-01-16"], name="date")
    parsed = parse_text_times(raw, "data.csv: column 'date'")
    assert len(extract_calls) == 1
    assert list(parsed) == list(pd.date_range("2020-01-13", periods=4, freq="D"))
