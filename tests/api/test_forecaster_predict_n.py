"""``Forecaster.predict(n=...)``: forecasts of any length, as darts' ``predict(n)`` (real ETTh1 rows).

``n <= horizon`` is the first ``n`` steps of the horizon forecast; ``n > horizon`` rolls the model
forward, feeding its point forecasts back as inputs, which must equal doing it by hand: predict,
append the forecast rows to the data, predict again. Inputs that cannot be rolled (past
covariates) and missing known-future rows are errors that name the columns, the rows and the fix.
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError

LOOKBACK, HORIZON, N_ROWS = 48, 12, 1200
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:N_ROWS]


def make(tmp_path_factory, **settings) -> Forecaster:
    torch.set_num_threads(1)
    options = dict(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                   out_dir=str(tmp_path_factory.mktemp("out")), trainer_options=QUIET)  # fmt: skip
    return Forecaster(**{**options, **settings})


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> Forecaster:
    """Two series, a shared (channel-independent) model with quantiles."""
    return make(tmp_path_factory, quantiles=[0.1, 0.9]).fit(ett[["date", "OT", "HUFL"]])


def hand_rollout(forecaster: Forecaster, data: pd.DataFrame, blocks: int) -> pd.DataFrame:
    """Predict, append the point forecast rows to the data as if observed, predict again (wide)."""
    pieces, columns = [], ["date", *forecaster.spec_.targets]
    for _ in range(blocks):
        forecast = forecaster.predict(data)
        pieces.append(forecast)
        data = pd.concat([data, forecast[columns]], ignore_index=True)
    return pd.concat(pieces, ignore_index=True)


def test_n_below_the_horizon_is_the_first_n_steps_quantiles_too(fitted):
    full = fitted.predict()
    assert len(full) == HORIZON and {"OT_q0.1", "OT_q0.5", "OT_q0.9"} <= set(full.columns)
    for n in (1, 5, HORIZON):
        pd.testing.assert_frame_equal(fitted.predict(n=n), full.iloc[:n])
    pd.testing.assert_frame_equal(fitted.predict(n=None), full)


def test_n_beyond_the_horizon_equals_a_rollout_by_hand(fitted, ett):
    data = ett[["date", "OT", "HUFL"]]
    rolled = fitted.predict(data, n=2 * HORIZON)
    hand = hand_rollout(fitted, data, 2)
    pd.testing.assert_frame_equal(rolled, hand)  # exactly: same windows, same weights
    # the second block differs from the first: it was forecast from the first block's medians
    assert not np.allclose(rolled["OT"].iloc[:HORIZON], rolled["OT"].iloc[HORIZON:])
    # a cut last block: the first n steps of the whole blocks
    pd.testing.assert_frame_equal(
        fitted.predict(data, n=2 * HORIZON + 5), hand_rollout(fitted, data, 3).iloc[:29]
    )
    assert rolled["date"].tolist() == list(
        pd.date_range(ett["date"].iloc[-1], periods=2 * HORIZON + 1, freq="h")[1:]
    )


def test_a_multivariate_model_of_its_targets_alone_rolls(ett, tmp_path_factory):
    forecaster = make(tmp_path_factory, channel_independent=False).fit(ett[["date", "OT", "HUFL", "LUFL"]])
    data = ett[["date", "OT", "HUFL", "LUFL"]]
    pd.testing.assert_frame_equal(forecaster.predict(data, n=3 * HORIZON), hand_rollout(forecaster, data, 3))


@pytest.mark.parametrize("kind", ["integer steps", "periods", "time zone"])
def test_times_continue_the_frequency_for_all_n_steps(kind, ett, tmp_path_factory):
    times = {
        "integer steps": 1000 + 5 * np.arange(N_ROWS),
        "periods": pd.period_range("2016-07-01 00:00", periods=N_ROWS, freq="h"),
        "time zone": ett["date"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin"),
    }[kind]
    data = pd.DataFrame({"t": times, "OT": ett["OT"].to_numpy()})
    forecaster = make(tmp_path_factory).fit(data, time_col="t")
    n = 2 * HORIZON + 3
    forecast = forecaster.predict(n=n)
    last = data["t"].iloc[-1]
    if kind == "integer steps":
        expected = pd.Index(last + 5 * np.arange(1, n + 1))
    elif kind == "periods":
        expected = pd.period_range(last + 1, periods=n, freq="h")
    else:  # in the series' own zone
        expected = pd.date_range(last, periods=n + 1, freq="h")[1:]
    assert forecast["t"].tolist() == expected.tolist()
    assert forecast["t"].dtype == data["t"].dtype
    pd.testing.assert_frame_equal(forecast.iloc[:HORIZON], forecaster.predict())


def test_past_covariates_cannot_be_rolled(ett, tmp_path_factory):
    forecaster = make(tmp_path_factory).fit(
        ett[["date", "OT", "HUFL"]], target="OT", past_covariates=["HUFL"]
    )
    assert len(forecaster.predict(n=HORIZON - 2)) == HORIZON - 2  # within the horizon: fine
    with pytest.raises(ConfigError) as err:
        forecaster.predict(n=HORIZON + 1)
    message = str(err.value)
    assert "['HUFL']" in message and "past covariates" in message
    assert f"n <= {HORIZON}" in message and "future_covariates" in message  # the fixes


def test_future_covariates_need_rows_for_every_rolled_step(ett, tmp_path_factory):
    forecaster = make(tmp_path_factory).fit(ett[["date", "OT", "HUFL"]].iloc[: N_ROWS - 3 * HORIZON],
                                            target="OT", future_covariates=["HUFL"])  # fmt: skip
    observed = N_ROWS - 3 * HORIZON
    data = ett[["date", "OT", "HUFL"]].copy()
    data.loc[observed:, "OT"] = np.nan  # 3 * HORIZON future rows: HUFL known, OT to forecast
    rolled = forecaster.predict(data, n=3 * HORIZON)
    hand, known = [], data.copy()
    for block in range(3):
        forecast = forecaster.predict(known)
        hand.append(forecast)
        rows = slice(observed + block * HORIZON, observed + (block + 1) * HORIZON - 1)
        known.loc[rows, "OT"] = forecast["OT"].to_numpy()
    pd.testing.assert_frame_equal(rolled, pd.concat(hand, ignore_index=True))
    assert rolled["date"].tolist() == ett["date"].iloc[observed:].tolist()

    too_few = data.iloc[: observed + 2 * HORIZON]
    with pytest.raises(DataError) as err:
        forecaster.predict(too_few, n=2 * HORIZON + 1)
    message = str(err.value)
    assert (
        "['HUFL']" in message
        and f"append {3 * HORIZON} rows" in message
        and f"found {2 * HORIZON}" in message
    )
    assert "rounded up" in message  # 25 steps read 3 whole blocks of covariates
    with pytest.raises(DataError, match=f"append {2 * HORIZON} rows.*found {HORIZON}"):
        forecaster.predict(data.iloc[: observed + HORIZON], n=2 * HORIZON)


def long_table(ett: pd.DataFrame, spans: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``unique_id, ds, y`` with series ``name`` holding ETTh1 rows ``spans[name]`` (a ragged panel)."""
    pieces = [
        pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[a:b], "y": ett[name].iloc[a:b]})
        for name, (a, b) in spans.items()
    ]
    return pd.concat(pieces, ignore_index=True)


def test_each_series_of_a_ragged_panel_rolls_from_its_own_end(ett, tmp_path_factory):
    spans = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1195), "MUFL": (0, 1100)}
    data = long_table(ett, spans)
    forecaster = make(tmp_path_factory, quantiles=[0.1, 0.9]).fit(data)
    rolled = forecaster.predict(n=2 * HORIZON + 4)
    first = forecaster.predict(data)
    second = forecaster.predict(pd.concat([data, first[["unique_id", "ds", "y"]]], ignore_index=True))
    third = forecaster.predict(pd.concat([data, first[["unique_id", "ds", "y"]], second[["unique_id", "ds", "y"]]],
                                         ignore_index=True))  # fmt: skip
    for name, (_, end) in spans.items():
        own = rolled[rolled["unique_id"] == name].reset_index(drop=True)
        assert own["ds"].tolist() == list(pd.date_range(ett["date"].iloc[end - 1], periods=29, freq="h")[1:])
        hand = pd.concat([f[f["unique_id"] == name] for f in (first, second, third)], ignore_index=True)
        pd.testing.assert_frame_equal(own, hand.iloc[: 2 * HORIZON + 4])
    wide = forecaster.predict(n=2 * HORIZON + 4, long=False)
    assert wide["MUFL"].notna().sum() == 2 * HORIZON + 4 and len(wide) > 2 * HORIZON + 4  # union of times


def test_a_saved_model_and_its_pyfunc_forecast_n_steps(fitted, tmp_path):
    from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc, forecast_signature, input_example

    expected = fitted.predict(n=2 * HORIZON + 1)
    folder = fitted.save(tmp_path / "model")
    pd.testing.assert_frame_equal(Forecaster.load(folder).predict(n=2 * HORIZON + 1), expected)
    pyfunc = ForecastPyfunc()
    pyfunc.load_context(types.SimpleNamespace(artifacts={"forecaster": str(folder)}))
    pd.testing.assert_frame_equal(
        pyfunc.predict(None, pd.DataFrame(), params={"n": 2 * HORIZON + 1}), expected
    )
    example = input_example(fitted.history_, fitted.spec_, LOOKBACK, HORIZON)
    pd.testing.assert_frame_equal(pyfunc.predict(None, example, params={"n": 5}), fitted.predict(n=5))
    pd.testing.assert_frame_equal(
        pyfunc.predict(None, example, params={"n": 5.0}), fitted.predict(n=5)
    )  # JSON
    pd.testing.assert_frame_equal(pyfunc.predict(None, example), fitted.predict())  # no params: the horizon
    signature = forecast_signature(example, fitted.predict(example), horizon=HORIZON)
    (param,) = signature.params.params
    assert (param.name, param.default) == ("n", HORIZON)


def test_a_served_model_refuses_more_steps_than_its_rollout_limit(fitted, tmp_path):
    """``params={"n": 10**9}`` would hold a server worker for days: more than MAX_SERVED_ROLLOUTS
    horizons is a bad request (an MlflowException, HTTP 400) naming the limit and the way round it."""
    from mlflow.exceptions import MlflowException

    from ssm_ts.tracking.pyfunc_forecast import MAX_SERVED_ROLLOUTS, ForecastPyfunc

    pyfunc = ForecastPyfunc()
    pyfunc.load_context(types.SimpleNamespace(artifacts={"forecaster": str(fitted.save(tmp_path / "m"))}))
    limit = MAX_SERVED_ROLLOUTS * HORIZON
    for n in (limit + 1, float(10**9)):
        with pytest.raises(
            MlflowException, match=rf"at most {limit} steps.*predict\(n=\.\.\.\) there"
        ) as error:
            pyfunc.predict(None, pd.DataFrame(), params={"n": n})
        assert isinstance(error.value, ConfigError)


def test_a_logged_model_takes_n_through_mlflow_params(ett, tmp_path_factory):
    import mlflow

    forecaster = make(tmp_path_factory, log_to_mlflow=True).fit(ett[["date", "OT"]])
    model = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    pd.testing.assert_frame_equal(model.predict(pd.DataFrame(), params={"n": 30}), forecaster.predict(n=30))
    pd.testing.assert_frame_equal(model.predict(pd.DataFrame()), forecaster.predict())  # default: the horizon


@pytest.mark.parametrize("bad", [0, -3, 1.5, True, "12"])
def test_a_bad_n_is_a_clear_error(fitted, bad):
    with pytest.raises(
        ConfigError, match=f"n must be a positive whole number of forecast steps, got {bad!r}"
    ):
        fitted.predict(n=bad)


def test_darts_style_predict_of_an_integer_points_to_n(fitted):
    with pytest.raises(ConfigError, match=r"predict\(n=24\)"):
        fitted.predict(24)


def test_a_rollout_of_many_series_sets_no_column_per_series(ett, tmp_path_factory, monkeypatch):
    """Writing each series' forecast back one column at a time is quadratic in the series (a rollout
    of 2,000 series took 14x longer per block, measured); the targets are written in one block."""
    n_series = 63
    block = {
        f"{name}_{k}": ett[name].to_numpy()[k * 24 : k * 24 + 900]
        for name in ett.columns[1:]
        for k in range(9)
    }
    data = pd.DataFrame({"date": ett["date"].iloc[:900].to_numpy(), **block})
    assert len(block) == n_series
    forecaster = make(tmp_path_factory).fit(data)
    calls = {"n": 0}

    def counted(original):
        def wrapper(self, *args, **kwargs):
            calls["n"] += 1
            return original(self, *args, **kwargs)

        return wrapper

    for owner in (pd.DataFrame, pd.core.indexing._iLocIndexer, pd.core.indexing._LocIndexer):
        monkeypatch.setattr(owner, "__setitem__", counted(owner.__setitem__))
    monkeypatch.setattr(pd.DataFrame, "insert", counted(pd.DataFrame.insert))
    forecast = forecaster.predict(n=3 * HORIZON)
    assert forecast.shape == (3 * HORIZON, 1 + n_series) and forecast.notna().all().all()
    assert calls["n"] < n_series, f"{calls['n']} column sets for {n_series} series"
