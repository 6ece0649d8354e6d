"""The MLflow experiment of a fit whose experiment was left at its default: the environment's, as
``mlflow.start_run()`` takes it, else the use's own (``ssm-ts-forecast``).

A Python front end's default (``Forecaster(experiment=...)``, ``WaveformGenerator``) is a
:class:`DefaultExperiment`: the use's name, marked as not chosen. When the run starts,
:func:`run_experiment` puts ``$MLFLOW_EXPERIMENT_NAME`` in its place, else the experiment whose id
``$MLFLOW_EXPERIMENT_ID`` holds (only the tracking store can turn an id into the name Lightning's logger
takes). A name the user gives is a plain ``str`` and wins over both, the use's own name too. (The command
line's ``--experiment`` default reads ``$MLFLOW_EXPERIMENT_NAME`` itself:
:func:`~ssm_ts.tracking.run_names.default_experiment_name`; a YAML config cannot hold a marked name.)
"""

from __future__ import annotations

import os

from ssm_ts.errors import ConfigError

ENV_EXPERIMENT_NAME = "MLFLOW_EXPERIMENT_NAME"
ENV_EXPERIMENT_ID = "MLFLOW_EXPERIMENT_ID"


class DefaultExperiment(str):
    """A use's own experiment name as a default, which the environment's experiment replaces when the
    run starts (:func:`run_experiment`). It is the plain name everywhere else (compared, logged, saved)."""

    __slots__ = ()


FORECAST_EXPERIMENT = DefaultExperiment("ssm-ts-forecast")
AUDIO_EXPERIMENT = DefaultExperiment("ssm-ts-audio")


def _environment(name: str) -> str:
    return os.environ.get(name, "").strip()


def run_experiment(experiment: str, tracking_uri: str) -> str:
    """The experiment a run logs to: ``experiment`` if the user chose it, else (a :class:`DefaultExperiment`)
    ``$MLFLOW_EXPERIMENT_NAME``, else the name of the experiment of id ``$MLFLOW_EXPERIMENT_ID`` in the
    store at ``tracking_uri`` (:func:`experiment_of_id`), else ``experiment``'s name."""
    if not isinstance(experiment, DefaultExperiment):
        return experiment
    if _environment(ENV_EXPERIMENT_NAME):
        return _environment(ENV_EXPERIMENT_NAME)
    if _environment(ENV_EXPERIMENT_ID):
        return experiment_of_id(_environment(ENV_EXPERIMENT_ID), tracking_uri)
    return str(experiment)


def experiment_of_id(experiment_id: str, tracking_uri: str) -> str:
    """The name of experiment ``experiment_id`` (``$MLFLOW_EXPERIMENT_ID``'s) in the store at ``tracking_uri``;
    a :class:`ConfigError` naming the variable and its value when the store has no such experiment."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        found = MlflowClient(tracking_uri=tracking_uri).get_experiment(experiment_id)
    except MlflowException:
        found = None
    if found is None:
        raise ConfigError(
            f"the environment variable {ENV_EXPERIMENT_ID}={experiment_id} names no experiment of the MLflow "
            f"store {tracking_uri}: set it to the id of one of its experiments, `unset {ENV_EXPERIMENT_ID}`, "
            f"or name the experiment (CLI: --experiment NAME; Python: experiment='NAME')."
        ) from None
    return found.name
