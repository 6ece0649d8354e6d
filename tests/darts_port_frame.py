"""The hourly frame the darts-port tests give the Forecaster: a target ``OT`` and a covariate ``HUFL``,
as a darts user's ``TimeSeries.to_dataframe()`` of ETT-like data (60 rows, ``date`` a column)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FRAME = pd.DataFrame({
    "date": pd.date_range("2020-01-01", periods=60, freq="h"),
    "OT": np.sin(np.arange(60) / 5.0),
    "HUFL": np.cos(np.arange(60) / 7.0),
})  # fmt: skip
