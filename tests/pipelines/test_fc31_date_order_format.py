"""Dates that read either day first or month first get a ``date_format`` written as they are (their
separator, year digits and time of day), so that passing it reads them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.mark.parametrize("written", ["%d.%m.%Y", "%d-%m-%y %H:%M", "%d/%m/%Y %H:%M:%S"])
def test_the_suggested_date_format_reads_the_dates(tmp_path, written):
    path = tmp_path / "daily.csv"
    days = pd.date_range("2020-01-01", periods=8, freq="D")  # every day <= 12: both orders valid
    pd.DataFrame({"date": days.strftime(written), "y": np.arange(8.0)}).to_csv(path, index=False)
    with pytest.raises(DataError, match="read either day first or month first") as error:
        load_series(path)
    fmt = re.search(r"\{'date_format': '([^']+)'\}", str(error.value)).group(1)
    assert fmt == written
    values, _ = load_series(path, read_options={"date_format": fmt})
    assert values["date"].tolist() == list(days)
