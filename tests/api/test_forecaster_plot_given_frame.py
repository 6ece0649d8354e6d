"""``plot(forecast=...)`` with a frame that is no forecast of the model is a :class:`ConfigError`
naming what to pass (a ``KeyError: 'ds'`` from pandas before), and a backtest of several windows is
refused (it was drawn as one line joining the windows); one window of it is drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.api.forecast_plot import check_not_the_data
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


def test_the_data_given_as_the_forecast_names_plot_data(fitted, weekly):  # noqa: F811
    # plot(df) puts the data in `forecast`: pandas' KeyError 'ili_q0.1' before
    data = weekly.rename_axis("ds").reset_index()
    with pytest.raises(
        ConfigError, match=r"lacks the quantile columns .*'ili_q0\.1'.*model\.plot\(data=df\)"
    ):
        fitted.plot(data)
    with pytest.raises(ConfigError, match=r"got \['ili'\].*model\.plot\(data=df\)"):
        fitted.plot(weekly.to_frame())  # its times in the index
    assert fitted.plot(data=data) is not None


def test_data_without_quantiles_is_told_by_its_start(fitted, weekly):  # noqa: F811
    # a point model's forecast has the data's columns: its start tells them apart (drawn over the history before)
    data = weekly.rename_axis("ds").reset_index()
    with pytest.raises(ConfigError, match=r"starts at 2002-01-01.*no later than the history drawn"):
        check_not_the_data(fitted, data, data.iloc[10:], quantiles=None)
    check_not_the_data(fitted, fitted.predict(data), data, quantiles=None)
