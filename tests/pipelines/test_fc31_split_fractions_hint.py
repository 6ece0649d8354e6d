"""A series too short for the default split gets split fractions that leave every split a window
(Forecaster and CLI spelling), and they do; a series too short for any fractions gets none."""

from __future__ import annotations

import re

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import check_enough_rows, split_boundaries


def test_the_suggested_fractions_leave_each_split_a_window():
    with pytest.raises(DataError, match=r"val split has 12 rows") as error:
        check_enough_rows(split_boundaries(120), 48, 24, "short.csv", need_test=True)
    found = re.search(
        r"Forecaster\(fractions=(\[.*?\])\); CLI: --data\.fractions '(\[.*?\])'", str(error.value)
    )
    assert found is not None and found.group(1) == found.group(2) == "[0.6, 0.2, 0.2]"
    check_enough_rows(split_boundaries(120, fractions=[0.6, 0.2, 0.2]), 48, 24, "short.csv", need_test=True)


def test_no_fractions_for_a_series_shorter_than_three_windows():
    with pytest.raises(DataError, match=r"different split fractions\.$"):
        check_enough_rows(split_boundaries(80), 48, 24, "short.csv", need_test=True)
