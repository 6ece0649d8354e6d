"""Audit 26: a long table's integer ``unique_id`` comes back as integers, as neuralforecast keeps
the id's dtype (they came back as text: ``plot(series=[1])`` was refused while listing ``'1'``, and a
user's ``merge`` on ``unique_id`` with their own frame raised in pandas)."""

from __future__ import annotations

import json
import types

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.evaluation import evaluate
from tests.api.test_forecaster_ragged import HORIZON, LOOKBACK, quiet_nlinear

IDS = {"OT": 1, "HUFL": 2, "MUFL": 3}


@pytest.fixture(scope="module")
def long_int(ett) -> pd.DataFrame:
    """Three ETTh1 series as ``unique_id, ds, y`` with integer ids 1, 2, 3."""
    long = ett.iloc[:600].melt(id_vars="date", value_vars=list(IDS), var_name="unique_id", value_name="y")
    return long.rename(columns={"date": "ds"}).assign(unique_id=lambda f: f["unique_id"].map(IDS))


@pytest.fixture(scope="module")
def fitted(long_int, tmp_path_factory):
    forecaster = quiet_nlinear(str(tmp_path_factory.mktemp("out")))
    return forecaster.fit(long_int)


def assert_integer_ids(frame: pd.DataFrame) -> None:
    assert frame["unique_id"].dtype == np.int64
    assert sorted(pd.unique(frame["unique_id"])) == [1, 2, 3]


def test_predict_gives_the_integer_ids_back_and_merges_with_the_users_frame(fitted, long_int):
    forecast = fitted.predict()
    assert_integer_ids(forecast)
    assert_integer_ids(fitted.predict(n=2 * HORIZON + 1))
    assert_integer_ids(fitted.predict(long_int))
    names = pd.DataFrame({"unique_id": [1, 2, 3], "name": list(IDS)})
    merged = forecast.merge(names, on="unique_id")  # raised: int64 and object columns
    assert len(merged) == len(forecast) and set(merged["name"]) == set(IDS)
    wide = fitted.predict(long=False)  # a column per series: named by the ids' text
    assert [c for c in wide.columns if "_q" not in c][1:] == ["1", "2", "3"]


def test_predict_with_conformal_levels_gives_integer_ids(fitted):
    assert_integer_ids(fitted.predict(level=80))


@pytest.mark.parametrize("refit", [False, True])
def test_backtest_and_evaluate_give_integer_ids(fitted, long_int, refit):
    backtest = fitted.backtest(long_int, n_windows=2, refit=refit)
    assert_integer_ids(backtest)
    scores = evaluate(backtest, aggregate=False)
    assert scores["series"].dtype == np.int64 and sorted(scores["series"]) == [1, 2, 3]
    assert list(evaluate(backtest)["series"]) == [1, 2, 3, "all"]
    # a wide backtest of the same, from the long one: columns named by the ids' text
    assert {"1", "1_actual"} <= set(fitted.backtest(long_int, n_windows=2, long=False).columns)


def test_plot_takes_the_integer_ids(fitted):
    figure = fitted.plot(series=[1, 3])
    assert [ax.get_ylabel() for ax in figure.axes] == ["1", "3"]
    assert [ax.get_ylabel() for ax in fitted.plot(series=2).axes] == ["2"]
    assert len(fitted.plot(fitted.predict(), series=[np.int64(1)]).axes) == 1


def test_a_saved_model_restores_the_ids_dtype_and_an_older_one_loads_as_before(fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    pd.testing.assert_frame_equal(Forecaster.load(folder).predict(), fitted.predict())
    config_file = next(p for p in folder.rglob("*.json") if "id_dtype" in p.read_text())
    config = json.loads(config_file.read_text())
    del config["spec"]["id_dtype"]  # a model saved before the ids kept their dtype
    config_file.write_text(json.dumps(config))
    older = Forecaster.load(folder).predict()
    assert older["unique_id"].tolist() == fitted.predict()["unique_id"].astype(str).tolist()


def test_the_pyfunc_gives_integer_ids_and_its_example_has_them(fitted, tmp_path):
    from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc, input_example

    example = input_example(fitted.history_, fitted.spec_, LOOKBACK, HORIZON)
    assert_integer_ids(example)
    pyfunc = ForecastPyfunc()
    pyfunc.load_context(types.SimpleNamespace(artifacts={"forecaster": str(fitted.save(tmp_path / "m"))}))
    assert_integer_ids(pyfunc.predict(None, example))
    assert_integer_ids(pyfunc.predict(None, pd.DataFrame()))
    served = example.assign(unique_id=example["unique_id"].astype(str))  # JSON may carry them as text
    assert_integer_ids(pyfunc.predict(None, served))


def test_text_and_float_ids_keep_their_kind(long_int):
    from ssm_ts.pipelines.forecasting import SeriesSpec, to_long_forecast
    from ssm_ts.pipelines.forecasting.series import load_series

    assert load_series(long_int.assign(unique_id=long_int["unique_id"].astype(str)))[1].id_dtype is None
    frame, spec = load_series(long_int.assign(unique_id=long_int["unique_id"] + 0.5))
    assert spec.id_dtype == "float64" and spec.targets == ["1.5", "2.5", "3.5"]
    long = to_long_forecast(frame.tail(2), spec)
    assert long["unique_id"].tolist() == [1.5, 1.5, 2.5, 2.5, 3.5, 3.5]
    nullable = load_series(long_int.assign(unique_id=long_int["unique_id"].astype("Int64")))[1]
    assert nullable.id_dtype == "Int64"
    assert SeriesSpec.from_dict({"time_col": "ds", "targets": ["a"], "freq": "h"}).id_dtype is None


def test_target_and_covariates_take_the_integer_ids(long_int):
    """``target=[1]`` was "not found" while ``target=["1"]`` worked: the ids name their series."""
    from ssm_ts.pipelines.forecasting.series import load_series

    by_number = load_series(long_int, target=[1, 3], past_covariates=2)[1]
    by_text = load_series(long_int, target=["1", "3"], past_covariates=["2"])[1]
    assert by_number.targets == by_text.targets == ["1", "3"] and by_number.past_covariates == ["2"]
    assert load_series(long_int, target=2)[1].targets == ["2"]
