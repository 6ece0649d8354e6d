"""``plot(forecast=...)`` with a frame that is no forecast of the model is a :class:`ConfigError`
naming what to pass (a ``KeyError: 'ds'`` from pandas before), and a backtest of several windows is
refused (it was drawn as one line joining the windows); one window of it is drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.errors import ConfigError
from tests.api.test_forecaster_series_input import fitted, weekly  # noqa: F401  (fixtures)


def test_a_frame_without_the_time_column_names_predict(fitted):  # noqa: F811
    with pytest.raises(ConfigError, match=r"frame of predict\(\) \(its time column 'ds'.*got \['x'\]"):
        fitted.plot(forecast=pd.DataFrame({"x": [1.0]}))


def test_a_backtest_of_several_windows_is_refused_and_one_window_is_drawn(fitted, weekly):  # noqa: F811
    backtest = fitted.backtest(weekly.to_frame(), n_windows=3)
    with pytest.raises(ConfigError, match=r"this backtest holds 3 windows.*backtest\['cutoff'\]\.max\(\)"):
        fitted.plot(forecast=backtest)
    last = backtest[backtest["cutoff"] == backtest["cutoff"].max()]
    assert fitted.plot(forecast=last) is not None
