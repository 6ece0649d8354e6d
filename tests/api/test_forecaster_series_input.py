"""A pandas Series (or an array, a list) given as data is a :class:`ConfigError` naming the
conversion in every method that reads data: ``predict``, ``backtest``, ``plot`` and ``calibrate``
raised ``TypeError: expected str, bytes or os.PathLike object, not Series`` from inside the reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import ConfigError
from tests.api.test_forecaster_ragged import quiet_nlinear

TIMES = pd.date_range("2002-01-01", periods=200, freq="W-TUE")


@pytest.fixture(scope="module")
def weekly() -> pd.Series:
    """A weekly series with a DatetimeIndex, as statsmodels and darts users hold one."""
    return pd.Series(np.sin(np.arange(200) / 6.0) + 2.0, index=TIMES, name="ili")


@pytest.fixture(scope="module")
def fitted(weekly, tmp_path_factory):
    return quiet_nlinear(str(tmp_path_factory.mktemp("out"))).fit(weekly.to_frame())


def test_fit_names_to_frame_for_a_series(weekly):
    with pytest.raises(ConfigError, match=r"got Series; pass series\.to_frame\(\) \(its DatetimeIndex"):
        quiet_nlinear("unused").fit(weekly)


@pytest.mark.parametrize(
    "call",
    [
        lambda fc, data: fc.predict(data),
        lambda fc, data: fc.backtest(data, n_windows=2),
        lambda fc, data: fc.plot(data=data),
        lambda fc, data: fc.calibrate(data, n_windows=20),
    ],
    ids=["predict", "backtest", "plot", "calibrate"],
)
def test_every_method_that_reads_data_names_the_conversion(fitted, weekly, call):
    with pytest.raises(ConfigError, match=r"got Series; pass series\.to_frame\(\)"):
        call(fitted, weekly)
    with pytest.raises(ConfigError, match=r"got ndarray; for arrays, build a DataFrame"):
        call(fitted, weekly.to_numpy())


def test_the_series_as_a_frame_forecasts(fitted, weekly):
    forecast = fitted.predict(weekly.to_frame())
    assert list(forecast.columns[:2]) == ["ds", "ili"] and forecast["ds"].iloc[0] == TIMES[-1] + TIMES.freq
