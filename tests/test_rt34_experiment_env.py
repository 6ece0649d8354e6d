"""A Forecaster or WaveformGenerator whose ``experiment`` is left at its default logs to the experiment
``MLFLOW_EXPERIMENT_NAME`` names, else to the one of id ``MLFLOW_EXPERIMENT_ID``, as ``mlflow.start_run()``
does (and the command line did for the name); an explicit ``experiment=`` wins, the use's own name too.
Before, both front ends always logged to ssm-ts-forecast / ssm-ts-audio."""

from __future__ import annotations

import pytest

from ssm_ts import Forecaster, WaveformGenerator
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import make_mlflow_logger


def _experiment_of(front_end) -> str:
    """The name of the experiment the front end's fit would log to (its logger made, no training)."""
    logger = front_end._make_logger()
    return logger.experiment.get_experiment(logger.experiment_id).name


def test_the_environment_names_the_experiment_of_a_default_front_end(monkeypatch, tmp_path):
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "team-runs")
    assert _experiment_of(Forecaster(horizon=2)) == "team-runs"  # was ssm-ts-forecast
    assert _experiment_of(WaveformGenerator(preset="tiny")) == "team-runs"  # was ssm-ts-audio
    assert (
        _experiment_of(Forecaster(horizon=2, experiment="ssm-ts-forecast")) == "ssm-ts-forecast"
    )  # given: wins
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME")
    assert _experiment_of(WaveformGenerator(preset="tiny")) == "ssm-ts-audio"  # nothing set: the use's own


def test_mlflow_experiment_id_picks_an_experiment_of_the_store(monkeypatch):
    from mlflow.tracking import MlflowClient

    experiment_id = MlflowClient().create_experiment("by-id")  # in the test's own store
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment_id)
    assert _experiment_of(Forecaster(horizon=2)) == "by-id"
    assert _experiment_of(Forecaster(horizon=2, experiment="mine")) == "mine"
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "by-name")  # as mlflow: the name first
    assert _experiment_of(Forecaster(horizon=2)) == "by-name"


def test_an_experiment_id_the_store_lacks_is_named_with_the_fix(monkeypatch):
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", "424242")
    with pytest.raises(ConfigError, match=r"MLFLOW_EXPERIMENT_ID=424242 names no experiment of the MLflow store "
                       r".*`unset MLFLOW_EXPERIMENT_ID`.*experiment='NAME'"):  # fmt: skip
        Forecaster(horizon=2)._make_logger()
    logger = make_mlflow_logger("given")  # an explicit name never looks the id up
    assert logger.experiment.get_experiment(logger.experiment_id).name == "given"
