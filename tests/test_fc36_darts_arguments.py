"""darts' argument names given to the Forecaster's methods: ``backtest(data, stride=3, retrain=True)``,
``predict(series=df)``, ``fit(series=df, epochs=5)`` raised Python's bare "got an unexpected keyword
argument"; each now names what does its work here (``step=``, ``refit=``, ``predict(data)``,
``Forecaster(max_epochs=...)``) or says nothing does. darts' ``residuals`` and ``gridsearch`` name the
backtest and ``tune_forecaster``, as ``historical_forecasts`` names ``backtest``."""

from __future__ import annotations

import inspect
import re

import pytest

from ssm_ts import Forecaster
from ssm_ts.api.forecast_ported_args import PORTED_ARGUMENTS
from ssm_ts.errors import ConfigError
from tests.darts_port_frame import FRAME


@pytest.mark.parametrize(
    ("method", "kwargs", "said"),
    [
        ("backtest", {"stride": 3, "retrain": True}, ["  stride: step=...", "  retrain: refit=... (False, True, or k"]),
        ("backtest", {"forecast_horizon": 6}, ["the horizon is the model's: Forecaster(horizon=...)"]),
        ("backtest", {"metric": "mape"}, ["ssm_ts.evaluate(table, metrics=["]),
        ("backtest", {"last_points_only": True}, ["table.groupby(['unique_id', 'cutoff']).tail(1)"]),
        ("backtest", {"train_length": 100}, ["train_length: no equivalent"]),
        ("predict", {"series": "x.csv"}, ["  series: the data: predict(data), a DataFrame or CSV"]),
        ("predict", {"num_samples": 100}, ["Forecaster(quantiles=[0.1, 0.5, 0.9])", "level=[80, 95]"]),
        ("fit", {"series": "x.csv", "epochs": 5}, ["  series: the data: fit(data)", "  epochs: Forecaster(max_epochs=...)"]),
        ("fit", {"val_series": "v.csv"}, ["the validation rows are the data's own"]),
        ("fit", {"value_cols": ["OT"], "fill_missing_dates": True}, ["  value_cols: target=[...]", "fill='ffill'"]),
    ],
)  # fmt: skip
def test_a_darts_argument_names_what_does_its_work(method, kwargs, said):
    with pytest.raises(TypeError) as raised:
        getattr(Forecaster(horizon=2), method)(**kwargs)
    text = str(raised.value)
    assert text.startswith(f"Forecaster.{method}() got darts' argument(s) {', '.join(map(repr, kwargs))}")
    for part in said:
        assert part in text, text


def test_other_names_and_the_methods_signatures_are_as_before():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'stridee'"):
        Forecaster(horizon=2).backtest(stridee=3)
    backtest = inspect.signature(Forecaster.backtest).parameters
    assert {"data", "n_windows", "step", "refit", "step_size", "df"} <= set(backtest)
    assert "n" in inspect.signature(Forecaster.predict).parameters
    assert Forecaster.fit.__doc__.startswith("Fit on ``data``")


def test_each_hint_names_arguments_the_method_has():
    """A hint's ``name=...`` for the method itself (``step=...``, ``predict(data, futr_df=...)``) is one of
    its parameters, and no darts name in the table is one (it would never be hinted)."""
    for method, hints in PORTED_ARGUMENTS.items():
        own = set(inspect.signature(getattr(Forecaster, method)).parameters)
        assert not set(hints) & own, method
        for hint in hints.values():
            for bare in re.findall(r"(?:^|; |: )(\w+)=\.\.\.", hint):  # step=..., refit=...
                assert bare in own, (method, hint)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("residuals", "are a backtest's actuals minus its forecasts"),
        ("gridsearch", "is ssm_ts.tune_forecaster(data, space, sampler='grid')"),
        (
            "historical_forecasts",
            "historical_forecasts(series, forecast_horizon=..., stride=..., retrain=...)",
        ),
    ],
)
def test_darts_methods_name_their_equivalent(name, said):
    with pytest.raises(AttributeError) as raised:
        getattr(Forecaster(horizon=2), name)
    assert said in str(raised.value)


def test_darts_model_settings_name_the_forecasters():
    """``Forecaster(input_chunk_length=24, output_chunk_length=12, n_epochs=1)``, darts' TorchForecastingModel
    settings: a bare TypeError before; the settings' own signature is unchanged."""
    with pytest.raises(TypeError) as raised:
        Forecaster(input_chunk_length=24, output_chunk_length=12, n_epochs=1, random_state=3)
    text = str(raised.value)
    assert text.startswith("Forecaster() got darts' argument(s) 'input_chunk_length', 'output_chunk_length'")
    for part in (
        "input_chunk_length: lookback=...",
        "output_chunk_length: horizon=...",
        "n_epochs: max_epochs=...",
    ):
        assert part in text, text
    assert list(inspect.signature(Forecaster).parameters)[:3] == ["model", "lookback", "horizon"]
    assert Forecaster(lookback=24, horizon=12).settings["lookback"] == 24


def test_a_search_space_of_darts_names_names_the_forecasters():
    from ssm_ts.api.tune_space import _check_name

    with pytest.raises(ConfigError, match="darts' input_chunk_length here: lookback; valid: "):
        _check_name("input_chunk_length", ["nlinear"])


@pytest.mark.parametrize(
    ("method", "position", "param"), [("fit", 2, "time_col"), ("backtest", 2, "n_windows")]
)
def test_covariates_in_darts_positions_are_named_not_printed(method, position, param, tmp_path):
    """darts' ``fit(series, past_covariates)`` / ``backtest(series, past_covariates)``: the table landed in
    ``time_col`` / ``n_windows``, and the error printed it whole ("time column '<500 rows>' not found")."""
    fc = Forecaster(
        model="nlinear", lookback=8, horizon=2, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path)
    )
    with pytest.raises(ConfigError) as raised:
        getattr(fc, method)(FRAME[["date", "OT"]], FRAME[["date", "HUFL"]])
    text = str(raised.value)
    assert text.startswith(
        f"{method}()'s argument {position} is {param}, got a DataFrame: darts' {method}(series, "
    )
    assert "data = data.merge(covariates, on='date'), then fit(data, ..., past_covariates=['HUFL'])" in text
    assert "2020-01-01 00:00:00" not in text  # the table is not printed
    assert fc.task_ is None and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("method", "args", "said"),
    [
        ("predict", (12, "x.csv"), "Forecaster.predict() takes 1 positional argument(s) (data), got 2: darts' "
                                   "predict(n, series) is predict(series, n=n) here."),
        ("backtest", ("x.csv", None, None, 6), "Forecaster.backtest() takes 3 positional argument(s) (data, "
                                               "n_windows, step), got 4: darts' backtest(series, past_covariates"),
    ],
)  # fmt: skip
def test_darts_positional_calls_say_the_order_here(method, args, said):
    """Python's "predict() takes from 1 to 2 positional arguments but 3 were given" named no fix."""
    with pytest.raises(TypeError) as raised:
        getattr(Forecaster(horizon=2), method)(*args)
    assert str(raised.value).startswith(said), str(raised.value)
