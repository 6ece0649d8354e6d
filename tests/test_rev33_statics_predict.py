"""Review of a long table's per-series inputs (per-series covariate columns, ``static_df``) at predict:
a model saved without its statics' future rows (the MLflow model's folder) forecasts from its
history, and a futr_df short of one series' steps is named instead of that series going unforecast."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

TRAINER = {"limit_train_batches": 2, "limit_val_batches": 2, "enable_progress_bar": False,
           "enable_model_summary": False}  # fmt: skip


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory) -> tuple[Forecaster, pd.DataFrame]:
    """Two ETTh1 series of a long table, each with its own past ``load`` and a static ``size``: the
    statics are the only known-future inputs, so predict() needs no future rows."""
    torch.set_num_threads(1)
    rows = ett.iloc[:300]
    long = pd.concat(
        [pd.DataFrame({"unique_id": name, "ds": rows["date"], "y": rows[name], "load": rows[load]})
         for name, load in (("OT", "MULL"), ("HUFL", "LULL"))],
        ignore_index=True,
    )  # fmt: skip
    static = pd.DataFrame({"unique_id": ["OT", "HUFL"], "size": [10.0, 50.0]})
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, seed=0, log_to_mlflow=False,
                    out_dir=str(tmp_path_factory.mktemp("rev33")), trainer_options=TRAINER)  # fmt: skip
    return fc.fit(long, past_covariates=["load"], static_df=static), long


def test_a_model_saved_without_the_statics_rows_forecasts_from_its_history(fitted, tmp_path):
    """The MLflow model is saved during the fit, before the fit adds the statics' future rows, so its
    folder holds none: its predict() of an empty request (forecast after the saved history) asked for a
    futr_df of the statics the model holds, while the fitted model's predict() answered."""
    fc, _ = fitted
    expected = fc.predict()
    loaded = Forecaster.load(fc.save(tmp_path / "model"))
    loaded.future_ = None  # as the MLflow model's folder holds it
    loaded = Forecaster.load(loaded.save(tmp_path / "as_logged"))
    assert loaded.future_ is None
    pd.testing.assert_frame_equal(loaded.predict(), expected)
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = loaded
    pd.testing.assert_frame_equal(pyfunc.predict(None, pd.DataFrame()), expected)


def test_a_futr_df_short_of_one_series_first_step_is_named_not_left_unforecast(fitted, tmp_path):
    """A per-series known-future column given for every forecast step of one series but not the first
    of another's: that series' covariate started a step late in futr_df, empty outside its own span
    there, which no check reached, and its forecast was left out of predict's answer, unsaid."""
    _, long = fitted
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, seed=0, log_to_mlflow=False,
                    out_dir=str(tmp_path), trainer_options=TRAINER)  # fmt: skip
    fc.fit(long, future_covariates=["load"])
    futr = long.groupby("unique_id").tail(6).drop(columns="y")
    futr["ds"] += pd.Timedelta(hours=6)
    assert fc.predict(long, futr_df=futr).groupby("unique_id").size().to_dict() == {"HUFL": 6, "OT": 6}
    first_of_ot = futr.index[futr["unique_id"] == "OT"][0]
    with pytest.raises(DataError) as error:
        fc.predict(long, futr_df=futr.drop(index=first_of_ot))
    assert str(error.value).startswith(
        "the futr_df DataFrame: column 'load' of series 'OT' has no value at ds 2016-07-13 12:00:00 "
        "(1 of the forecast steps of series 'OT', which reads it there)"
    )
    assert "Give a row of series 'OT' at each of those times with its 'load'" in str(error.value)


def test_data_without_the_time_column_is_named_with_the_rename_that_reads_it(fitted):
    """A long DataFrame (or futr_df) of a model with per-series inputs lacking the fitted time column
    stopped with pandas' KeyError 'ds'; the error names it, and its rename, pasted, reads the data."""
    fc, long = fitted
    df = long.rename(columns={"ds": "date"})
    with pytest.raises(DataError) as error:
        fc.predict(df)
    fix = "df = df.rename(columns={'date': 'ds'})"
    assert str(error.value) == (
        "the DataFrame has no column 'ds', the time column the model was fitted with (columns: "
        f"['unique_id', 'date', 'y', 'load']); name its times so: {fix}."
    )
    scope = {"df": df}
    exec(fix, scope)  # noqa: S102 - the fix as a user pastes it, run on their df
    pd.testing.assert_frame_equal(fc.predict(scope["df"]), fc.predict(long))
    futr = pd.DataFrame({"unique_id": ["OT", "HUFL"], "when": long["ds"].iloc[-1] + pd.Timedelta(hours=1)})
    with pytest.raises(
        DataError, match=r"^the futr_df DataFrame has no column 'ds'.*futr_df = futr_df\.rename"
    ):
        fc.predict(long, futr_df=futr)


def test_the_mlflow_model_asks_for_each_series_own_columns_not_its_internal_series(fitted):
    """The served model's word on a request without its futr_df's rows named the covariate series the
    fit builds internally (rows of 'size[OT]' in 'y'), which no request holds: it names neuralforecast's
    futr_df, a row per series and step (the statics the model adds)."""
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = fitted[0]
    with pytest.raises(DataError) as error:
        # a futr_df without rows, served {"inputs": {..., "futr_df": []}} (null: none, as predict(df))
        pyfunc.predict(None, {"df": fitted[1], "futr_df": pd.DataFrame()})
    assert str(error.value) == (
        "the request's 'futr_df' is empty: send a table of the rows (unique_id, ds) of each series "
        "['OT', 'HUFL'], one per series and forecast step."
    )


def test_a_futr_df_without_series_ids_names_the_columns_it_holds(fitted):
    """A futr_df of a per-series model lacking unique_id was passed on as a wide table, and the reader
    asked for rows of the model's internal covariate series ('size[OT]' in 'y'); it names neuralforecast's
    columns."""
    fc, long = fitted
    futr = pd.DataFrame({"ds": pd.date_range(long["ds"].iloc[-1], periods=7, freq="h")[1:]})
    with pytest.raises(DataError) as error:
        fc.predict(long, futr_df=futr)
    assert str(error.value) == (
        "the futr_df DataFrame has no column 'unique_id' (columns: ['ds']); this model reads per-series "
        "inputs (load, size), so futr_df holds a row per series and forecast step: the columns "
        "['unique_id', 'ds'], as neuralforecast's futr_df."
    )
