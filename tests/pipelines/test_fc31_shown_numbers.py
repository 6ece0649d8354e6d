"""Numbers as Excel's "Save as CSV" writes formatted cells (``12.5%``, ``1.234,50 €``, ``(1,234.50)``)
are reported with a conversion that reads them as written, not left out of the targets as text."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

_FIX = re.compile(r"df = (pd\.read_csv\(path.*?\)), then (df\[.*?\)), and pass the DataFrame")
_DAYS = pd.date_range("2020-01-01", periods=8, freq="D").strftime("%Y-%m-%d")


@pytest.mark.parametrize(
    ("cells", "sep", "expected"),
    [
        (["12.5%", "13%", "-0.5%", "100.25%"] * 2, ",", [12.5, 13.0, -0.5, 100.25] * 2),
        (["$1,234.50", "$(1,000.00)", "$12.00", "$0.99"] * 2, ",", [1234.5, -1000.0, 12.0, 0.99] * 2),
        (["1.234,50 €", "12,00 €", "-3,25 €", "1.000.000,00 €"] * 2, ";", [1234.5, 12.0, -3.25, 1e6] * 2),
    ],
)
def test_formatted_numbers_get_a_conversion_that_reads_them(tmp_path, cells, sep, expected):
    path = tmp_path / "export.csv"
    pd.DataFrame({"date": _DAYS, "units": np.arange(8.0), "amount": cells}).to_csv(path, index=False, sep=sep)
    with pytest.raises(DataError, match=r"column 'amount' .*is a number as a spreadsheet shows it") as error:
        load_series(path)  # reported, not left out of the targets as a text column
    fix = _FIX.search(str(error.value))
    assert fix is not None, str(error.value)
    scope = {"pd": pd, "path": path}
    exec(f"df = {fix.group(1)}", scope)  # as a user pastes it: the CSV read (";" and decimal commas too)
    exec(fix.group(2), scope)
    np.testing.assert_allclose(scope["df"]["amount"].to_numpy(), expected)


def test_text_columns_stay_left_out():
    frame = pd.DataFrame({"date": _DAYS, "y": np.arange(8.0), "note": ["ok", "late (2 days)"] * 4})
    _, spec = load_series(frame)
    assert spec.targets == ["y"]
