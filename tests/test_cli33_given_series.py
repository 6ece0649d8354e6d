"""``ssm-ts forecast predict`` of a scheduled job's newer file: a long table that lacks one of the fitted
series is forecast for the series it holds, as ``Forecaster.predict`` and the MLflow model forecast them
(the command refused it: "series ['HULL'] not found ... give rows of each"); ``validate`` still needs
them all and says why. And ``--ckpt_path last --level 80`` takes the conformal scores of the fit's best
checkpoint when it holds the same weights (it calibrated on the given file's validation split, silently),
or says what the intervals were calibrated on."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
import torch

from ssm_ts import cli
from tests.cli_runs import run_cli_in

LOOKBACK, HORIZON = 24, 6
SERIES = ["HUFL", "HULL", "OT"]


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit (nlinear, one epoch of two batches: its last.ckpt holds the best one's
    weights) on 400 hourly rows of three ETTh1 series as a long table, and the day after's files:
    ``today.csv`` (500 rows of all three), ``some.csv`` (the same without HULL)."""
    folder = tmp_path_factory.mktemp("cli33_given")
    wide = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:500][["date", *SERIES]]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    long[long["ds"] < wide["date"].iloc[400]].to_csv(folder / "fit.csv", index=False)
    long.to_csv(folder / "today.csv", index=False)
    long[long["unique_id"] != "HULL"].to_csv(folder / "some.csv", index=False)
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "fit.csv", "--trainer.max_epochs", "1"]
    args += ["--trainer.limit_train_batches", "2", "--out", "out"]
    run_cli_in(folder, args, shared_data)
    return folder


def predicted(folder: Path, shared_data: Path, *args: str) -> pd.DataFrame:
    run_cli_in(folder, ["forecast", "predict", "--out", "out", *args], shared_data)
    return pd.read_csv(folder / "out" / "forecast.csv")


def rows_of(forecast: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    return forecast[forecast["unique_id"].isin(series)].reset_index(drop=True)


@pytest.mark.parametrize("level", [[], ["--level", "80"]], ids=["point", "intervals"])
def test_a_file_of_some_series_forecasts_those(fitted, shared_data, level):
    full = predicted(fitted, shared_data, "--ckpt_path", "best", "--data.path", "today.csv", *level)
    some = predicted(fitted, shared_data, "--ckpt_path", "best", "--data.path", "some.csv", *level)
    assert sorted(some["unique_id"].unique()) == ["HUFL", "OT"]
    pd.testing.assert_frame_equal(some, rows_of(full, ["HUFL", "OT"]))
    assert (fitted / "out" / "forecast.png").stat().st_size > 0


def test_a_new_series_beside_some_is_warned_of_once(fitted, shared_data):
    """The API's warning, as Forecaster.predict gives it: once, though the file is read twice."""
    some = pd.read_csv(fitted / "some.csv")
    new = some[some["unique_id"] == "OT"].assign(unique_id="NEW")
    pd.concat([some, new]).to_csv(fitted / "some_new.csv", index=False)
    with pytest.warns(UserWarning, match=r"some_new\.csv: series \['NEW'\] is not among") as caught:
        forecast = predicted(fitted, shared_data, "--ckpt_path", "best", "--data.path", "some_new.csv")
    assert len([w for w in caught if "is not among" in str(w.message)]) == 1
    assert sorted(forecast["unique_id"].unique()) == ["HUFL", "OT"]


def test_validate_of_some_series_says_why_it_needs_them_all(fitted, capsys):
    args = ["forecast", "validate", "--ckpt_path", "best", "--out", "out", "--data.path", "some.csv"]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(fitted)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{fitted / 'mlflow.db'}")
        assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "some.csv has no rows of the series ['HULL'] (its series: ['HUFL', 'OT'])" in err
    assert "ssm-ts forecast validate scores the model on every series it was fitted on (3)" in err
    assert "forecast those given with ssm-ts forecast predict" in err


def test_last_takes_the_best_checkpoints_scores_for_its_weights(fitted, shared_data):
    """Before, last.ckpt was calibrated on today.csv's validation split: other windows, other bands."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # nothing to say: the fit's scores of these weights
        last = predicted(
            fitted, shared_data, "--ckpt_path", "last", "--data.path", "today.csv", "--level", "80"
        )
    best = predicted(fitted, shared_data, "--ckpt_path", "best", "--data.path", "today.csv", "--level", "80")
    pd.testing.assert_frame_equal(last, best)


def test_other_weights_without_scores_say_what_they_were_calibrated_on(fitted, shared_data):
    """A checkpoint of other weights (here last.ckpt's, one weight moved) cannot take the best one's scores."""
    last = next((fitted / "out").glob("*/*/checkpoints/last.ckpt"))
    checkpoint = torch.load(last, weights_only=False)
    state = checkpoint["state_dict"]
    name = next(k for k in state if not k.startswith("scaler_"))
    state[name] = state[name] + 0.01
    other = last.with_name("other.ckpt")
    torch.save(checkpoint, other)
    args = ["--ckpt_path", str(other), "--level", "80"]
    with pytest.warns(UserWarning) as caught:
        predicted(fitted, shared_data, *args, "--data.path", "today.csv")
    said = [str(w.message) for w in caught if "holds no conformal scores" in str(w.message)]
    assert len(said) == 1
    assert "best-epoch=0.ckpt beside it holds them, for other weights), so the 80% intervals are " in said[0]
    assert "calibrated here on the validation split of today.csv" in said[0]
    assert "pass --ckpt_path best" in said[0]
    with warnings.catch_warnings():  # the fit's own file: the fit's calibration of these weights
        warnings.filterwarnings("error", message=".*holds no conformal scores")
        predicted(fitted, shared_data, *args)
