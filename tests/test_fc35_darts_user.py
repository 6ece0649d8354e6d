"""A darts user's calls, answered with the Forecaster's own.

``fit(data, past_covariates=<a DataFrame>)`` (darts passes the covariates themselves, as a TimeSeries):
refused before any training, naming the merge that makes them columns of the data and the names to
give. Before, the frame was read as its column names and the error said the time column ``date`` was
named as a covariate. ``fc.historical_forecasts`` (darts) and ``fc.cross_validation`` (neuralforecast)
name ``backtest``, which does their work; before, a bare AttributeError."""

from __future__ import annotations

import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from tests.darts_port_frame import FRAME


@pytest.mark.parametrize(
    ("covariates", "merge"),
    [
        (FRAME[["date", "HUFL"]], "on='date'"),  # its times as a column
        (FRAME.set_index("date")[["HUFL"]], "on='date'"),  # as the index, darts' TimeSeries.pd_dataframe()
        (FRAME["HUFL"], "on=<the time column>, its times as a column"),
    ],
)
@pytest.mark.parametrize("setting", ["past_covariates", "future_covariates"])
def test_covariates_given_as_a_table_are_refused_with_the_merge(tmp_path, covariates, merge, setting):
    fc = Forecaster(model="nlinear", lookback=8, horizon=2, max_epochs=1, log_to_mlflow=False,
                    out_dir=str(tmp_path))  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        fc.fit(FRAME[["date", "OT"]], "date", "OT", **{setting: covariates})
    said = str(raised.value)
    assert said.startswith(f"{setting} names columns of the data (e.g. {setting}=['HUFL']), got a ")
    assert f"data = data.merge(covariates, {merge}), then fit(data, ..., {setting}=['HUFL'])" in said
    assert ("predict(futr_df=covariates)" in said) == (setting == "future_covariates")
    assert fc.task_ is None and not list(tmp_path.iterdir())  # nothing trained or written


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("historical_forecasts", r"darts' historical_forecasts\(.*\) is backtest\(data, n_windows=\.\.\., "
                                 r"step=\.\.\., refit=\.\.\.\)"),
        ("cross_validation", r"neuralforecast's cross_validation\(.*\) is backtest\(df=df, "),
    ],
)  # fmt: skip
def test_other_libraries_backtests_name_backtest(name, said):
    fc = Forecaster(horizon=2)
    with pytest.raises(AttributeError, match=f"'Forecaster' object has no attribute '{name}'; {said}"):
        getattr(fc, name)
    assert not hasattr(fc, name)
    with pytest.raises(AttributeError, match=r"^'Forecaster' object has no attribute 'fit_predict'$"):
        fc.fit_predict  # noqa: B018  (a name of no other library's backtest: as ever)
