"""Text times parsed as their distinct times (aa399f5) read as the rows read one by one: leading empty
cells, formats mixed from the first row on, UTC offsets across a daylight-saving switch (local days kept
as days), and the error of times with and without an offset counting rows, not distinct times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.dates import _parse_text_times, parse_text_times

WHERE = "long.csv: column 'ds'"


def repeated(times: list[str | None], series: int = 3) -> pd.Series:
    return pd.Series(np.tile(np.array(times, dtype=object), series), dtype="str", name="ds")


@pytest.mark.parametrize(
    "times",
    [
        [None, "2020-01-01 00:00", "2020-01-01 01:00"],  # an empty first cell
        ["2020-01-01", "2020-01-02 05:00", "2020-01-03T06:30"],  # the first row's format fits not all
        ["2020-03-28T00:00+01:00", "2020-03-29T00:00+01:00", "2020-03-30T00:00+02:00"],  # local days
        ["2020-03-29 01:00+01:00", "2020-03-29 03:00+02:00", "2020-03-29 04:00+02:00"],  # hours: UTC
    ],
    ids=["empty-first", "mixed-formats", "local-days", "hours-across-dst"],
)
def test_distinct_times_read_as_the_rows(times):
    raw = repeated(times)
    pd.testing.assert_series_equal(parse_text_times(raw, WHERE), _parse_text_times(raw, WHERE, None, None))


def test_times_with_and_without_an_offset_are_counted_by_row():
    raw = repeated(["2020-01-01 00:00+01:00", "2020-01-01 01:00", "2020-01-01 02:00"])
    with pytest.raises(DataError, match=r"'2020-01-01 01:00'; 6 of 9\)"):
        parse_text_times(raw, WHERE)
