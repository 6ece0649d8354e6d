"""A logger export's row of units under the header (``,°C,kW``) is named as such, with the
``skiprows`` read option that reads the file."""

from __future__ import annotations

import ast
import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def test_a_units_row_gets_the_skiprows_that_reads_the_file(tmp_path):
    path = tmp_path / "logger.csv"
    times = pd.date_range("2020-01-01", periods=12, freq="h").strftime("%Y-%m-%d %H:%M")
    rows = "".join(f"{t},{20 + i * 0.5},{i}\n" for i, t in enumerate(times))
    path.write_text("time,temp,power\n,°C,kW\n" + rows, encoding="utf-8")
    with pytest.raises(DataError, match=r"Row 0 looks like the units of the columns \('°C', 'kW'\)") as error:
        load_series(path)
    options = ast.literal_eval(re.search(r"read_options=(\{.*?\}) \(CLI", str(error.value)).group(1))
    values, spec = load_series(path, read_options=options)
    assert spec.targets == ["temp", "power"] and spec.freq == "h"
    np.testing.assert_allclose(values["temp"].to_numpy()[:2], [20.0, 20.5])


def test_a_bad_date_in_a_later_row_gets_no_units_note(tmp_path):
    path = tmp_path / "logger.csv"
    path.write_text("time,temp\n2020-01-01 00:00,1\nnot a time,°C\n2020-01-01 02:00,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="not dates") as error:
        load_series(path, time_col="time")
    assert "units" not in str(error.value)
