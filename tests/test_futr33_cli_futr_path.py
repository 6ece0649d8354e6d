"""``ssm-ts forecast predict --data.path history.csv --futr_path future.csv``: the known-future covariates
of the forecast steps in a file of their own, as neuralforecast's ``futr_df`` (and ``Forecaster.predict(
futr_df=...)``) takes them. Before, the command knew no ``--futr_path``: the rows had to be appended to
the history file, targets empty. The forecast must be the one of the appended file; a bad future file
is named with its column, times or row count and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.cli_runs import refused_in, run_cli_in

LOOKBACK, HORIZON, ROWS = 24, 12, 380


def predict_args(history: str, *more: str) -> list[str]:
    return ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", history, *more]


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit (nlinear, one epoch of two batches) of ETTh1's OT with the known-future
    covariate ``hour``, and its files: ``history.csv`` (ROWS rows), ``future.csv`` (the next HORIZON
    rows of ``date, hour``) and ``appended.csv`` (the history, then those rows with OT empty)."""
    folder = tmp_path_factory.mktemp("futr33_cli")
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:400]
    frame["hour"] = frame["date"].dt.hour
    frame = frame[["date", "OT", "hour"]]
    frame.to_csv(folder / "train.csv", index=False)
    frame.iloc[:ROWS].to_csv(folder / "history.csv", index=False)
    frame[["date", "hour"]].iloc[ROWS : ROWS + HORIZON].to_csv(folder / "future.csv", index=False)
    appended = frame.iloc[: ROWS + HORIZON].copy()
    appended.loc[ROWS:, "OT"] = float("nan")
    appended.to_csv(folder / "appended.csv", index=False)
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "train.csv", "--data.target", "OT"]
    args += ["--data.future_covariates", "[hour]", "--trainer.max_epochs", "1"]
    args += ["--trainer.limit_train_batches", "2", "--out", "out"]
    run_cli_in(folder, args, shared_data)
    return folder


def test_a_future_file_forecasts_as_the_rows_appended(fitted, shared_data):
    run_cli_in(fitted, predict_args("appended.csv", "--level", "80"), shared_data)
    appended = pd.read_csv(fitted / "out" / "forecast.csv")
    run_cli_in(fitted, predict_args("history.csv", "--futr_path", "future.csv", "--level", "80"), shared_data)
    apart = pd.read_csv(fitted / "out" / "forecast.csv")
    pd.testing.assert_frame_equal(apart, appended)
    assert list(apart.columns) == ["date", "OT", "OT_lo-80", "OT_hi-80"] and len(apart) == HORIZON


@pytest.mark.parametrize(
    ("future", "said"),
    [
        (
            lambda f: f.rename(columns={"hour": "HOUR"}),
            "bad.csv has no column ['hour']; columns are ['date', 'HOUR']. --futr_path holds the time "
            "column and the known-future covariates ['hour']",
        ),
        (
            lambda f: f.iloc[1:],
            "bad.csv: the forecast steps start at date 2016-07-16 20:00:00, the step after history.csv's "
            "last observation (2016-07-16 19:00:00); --futr_path has its rows after it start "
            "2016-07-16 21:00:00. Give the known-future covariates ['hour'] of the steps from "
            "2016-07-16 20:00:00 on",
        ),
        (
            lambda f: f.iloc[:5],
            "bad.csv has 5 rows after history.csv's last observation (2016-07-16 19:00:00); the forecast "
            "reads the known-future covariates ['hour'] of 12 steps (the horizon, or ceil(n / horizon) * "
            "horizon for --n): give rows up to date 2016-07-17 07:00:00.",
        ),
        (
            lambda f: f.assign(hour=f["hour"].where(f.index < HORIZON - 1)),
            "bad.csv has 11 rows after history.csv's last observation (2016-07-16 19:00:00), not counting "
            "1 with ['hour'] empty; the forecast reads",  # the file holds 12: an empty last value ends the read
        ),
    ],
    ids=["no covariate column", "a step left out", "too few rows", "an empty last value"],
)
def test_a_bad_future_file_is_named_with_the_fix(fitted, capsys, future, said):
    future(pd.read_csv(fitted / "future.csv")).to_csv(fitted / "bad.csv", index=False)
    err = refused_in(fitted, predict_args("history.csv", "--futr_path", "bad.csv"), capsys)
    assert said in err
    assert "the file came from --futr_path" in err  # not from --data.path, which the error names too


def test_a_missing_future_file_names_the_option(fitted, capsys):
    """The reader's own error said "check --data.path"."""
    err = refused_in(fitted, predict_args("history.csv", "--futr_path", "nowhere.csv"), capsys)
    assert "--futr_path nowhere.csv: no such file (a relative path is read from" in err
    assert "--data.path" not in err


def test_rollouts_need_the_covariates_of_every_block(fitted, capsys):
    err = refused_in(fitted, predict_args("history.csv", "--futr_path", "future.csv", "--n", "13"), capsys)
    assert "future.csv has 12 rows after history.csv's last observation" in err
    assert "of 24 steps" in err and "give rows up to date 2016-07-17 19:00:00" in err


def test_futr_path_is_an_option_of_predict_only(fitted, capsys):
    args = ["forecast", "test", "--ckpt_path", "best", "--out", "out", "--futr_path", "future.csv"]
    err = refused_in(fitted, args, capsys)
    assert "--futr_path: an option of ssm-ts forecast predict, not of test" in err


@pytest.fixture(scope="module")
def fitted_long(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit on a long table under other names (``series, ds, value``: read with
    ``--data.id_col series --data.value_col value``) of ETTh1's OT and the known-future covariate series
    ``hour``; ``history.csv`` ends at row ROWS, ``future.csv`` holds the next HORIZON rows of ``hour``."""
    folder = tmp_path_factory.mktemp("futr33_cli_long")
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:400]
    frame["hour"] = frame["date"].dt.hour
    long = frame.melt(id_vars="date", value_vars=["OT", "hour"], var_name="series", value_name="value")
    long = long.rename(columns={"date": "ds"})[["series", "ds", "value"]]
    cut, end = frame["date"].iloc[ROWS], frame["date"].iloc[ROWS + HORIZON]
    long.to_csv(folder / "train.csv", index=False)
    long[long["ds"] < cut].to_csv(folder / "history.csv", index=False)
    hours = long[(long["series"] == "hour") & (long["ds"] >= cut) & (long["ds"] < end)]
    hours.to_csv(folder / "future.csv", index=False)
    pd.concat([long[long["ds"] < cut], hours]).to_csv(folder / "appended.csv", index=False)
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "train.csv", "--data.id_col", "series"]
    args += ["--data.value_col", "value", "--data.future_covariates", "[hour]"]
    args += ["--trainer.max_epochs", "1", "--trainer.limit_train_batches", "2", "--out", "out"]
    run_cli_in(folder, args, shared_data)
    return folder


def test_a_long_future_file_holds_the_covariate_series_rows(fitted_long, shared_data):
    """Read with the fit's id and value columns, as the history is. (The fit itself failed before: the
    logged model's input example left out the covariate series, and the model refused it.)"""
    run_cli_in(fitted_long, predict_args("appended.csv"), shared_data)
    appended = pd.read_csv(fitted_long / "out" / "forecast.csv")
    run_cli_in(fitted_long, predict_args("history.csv", "--futr_path", "future.csv"), shared_data)
    apart = pd.read_csv(fitted_long / "out" / "forecast.csv")
    pd.testing.assert_frame_equal(apart, appended)
    assert list(apart.columns) == ["series", "ds", "value"] and set(apart["series"]) == {"OT"}


def test_a_long_future_file_without_the_covariate_series_names_it(fitted_long, capsys):
    future = pd.read_csv(fitted_long / "future.csv")
    future.assign(series="minute").to_csv(fitted_long / "bad.csv", index=False)
    err = refused_in(fitted_long, predict_args("history.csv", "--futr_path", "bad.csv"), capsys)
    assert "bad.csv has no rows of the series ['hour']; the model was fitted on a long table, so " in err
    assert "--futr_path holds the rows of its known-future covariate series ['hour'] (series, the " in err
