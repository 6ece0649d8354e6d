"""A loaded Forecaster whose ``experiment`` the user never chose logs its refit to the experiment
``MLFLOW_EXPERIMENT_NAME`` (or ``_ID``) names, as a fresh one does; a chosen name stays chosen. Before,
``Forecaster.load`` read the saved default name back as a plain (chosen) name: the refit logged to
ssm-ts-forecast whatever the environment said."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.tracking.experiment_env import DefaultExperiment


def _frame(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {"t": pd.date_range("2020-01-01", periods=n, freq="D"), "y": np.sin(np.arange(n) / 5.0)}
    )


def _saved(folder, **settings) -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=8, horizon=2, max_epochs=1, log_to_mlflow=False,
                    trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
                    out_dir=str(folder / "out"), **settings)  # fmt: skip
    fc.fit(_frame(), "t", "y").save(folder / "model")
    return Forecaster.load(folder / "model")


def _experiment_of(fc: Forecaster) -> str:
    """The name of the experiment a fit of ``fc`` logs to (its logger made, no training)."""
    fc.settings["log_to_mlflow"] = True
    logger = fc._make_logger()
    return logger.experiment.get_experiment(logger.experiment_id).name


def test_a_loaded_default_experiment_follows_the_environment_on_refit(tmp_path, monkeypatch):
    loaded = _saved(tmp_path)
    assert isinstance(loaded.settings["experiment"], DefaultExperiment)  # was a plain str
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-runs")
    assert _experiment_of(loaded) == "team-runs"  # was ssm-ts-forecast
    assert _experiment_of(Forecaster(horizon=2)) == "team-runs"  # as a fresh one's
    # saved again, still not chosen
    loaded.save(tmp_path / "again")
    assert isinstance(Forecaster.load(tmp_path / "again").settings["experiment"], DefaultExperiment)


def test_a_loaded_default_experiment_follows_the_experiment_id(tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    loaded = _saved(tmp_path)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", MlflowClient().create_experiment("by-id"))
    assert _experiment_of(loaded) == "by-id"


def test_a_chosen_experiment_stays_chosen_when_loaded(tmp_path, monkeypatch):
    loaded = _saved(tmp_path, experiment="ssm-ts-forecast")  # the default's name, chosen by the user
    assert not isinstance(loaded.settings["experiment"], DefaultExperiment)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-runs")
    assert _experiment_of(loaded) == "ssm-ts-forecast"


@pytest.mark.parametrize(("name", "follows"), [("ssm-ts-forecast", True), ("mine", False)])
def test_an_older_save_without_the_flag_still_loads(tmp_path, monkeypatch, name, follows):
    _saved(tmp_path, experiment=name)
    config_file = tmp_path / "model" / "config.json"
    config = json.loads(config_file.read_text())
    del config["experiment_chosen"]  # as versions before the flag wrote it
    config_file.write_text(json.dumps(config))
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-runs")
    loaded = Forecaster.load(tmp_path / "model")
    assert loaded.settings["experiment"] == name
    assert _experiment_of(loaded) == ("team-runs" if follows else name)  # the default name: not chosen


def test_the_tune_commands_default_experiment_stays_not_chosen(monkeypatch):
    """``ssm-ts forecast tune`` without ``--experiment`` hands its Forecasters the default as not chosen
    (its saved best model then follows the environment when loaded and refitted); a given name stays
    chosen. Before, the parsed default was a plain name: the export saved it as chosen."""
    from ssm_ts.api.tune_cli import build_parser, search_arguments

    args = ["--data.path", "train.csv", "--space", "{lr: [0.001]}"]
    experiment = search_arguments(build_parser().parse_args(args))[2]["experiment"]
    assert isinstance(experiment, DefaultExperiment) and experiment == "ssm-ts-forecast"
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-runs")  # the command's default reads it
    experiment = search_arguments(build_parser().parse_args(args))[2]["experiment"]
    assert isinstance(experiment, DefaultExperiment) and experiment == "team-runs"
    given = search_arguments(build_parser().parse_args([*args, "--experiment", "mine"]))[2]["experiment"]
    assert given == "mine" and not isinstance(given, DefaultExperiment)
