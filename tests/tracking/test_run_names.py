"""Runs started after the same seed get different MLflow names, and naming leaves the seed's stream alone."""

from __future__ import annotations

import random

import lightning.pytorch as pl
import mlflow

from ssm_ts.tracking.logger import make_mlflow_logger


def _started_run_name(uri: str) -> str:
    pl.seed_everything(7, verbose=False)
    logger = make_mlflow_logger("names", tracking_uri=uri)
    run_id = logger.run_id  # creates the run, as the first logged value does in a fit
    return mlflow.MlflowClient(uri).get_run(run_id).info.run_name


def test_two_runs_with_one_seed_get_different_names(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    names = {_started_run_name(uri) for _ in range(3)}
    assert len(names) == 3, names


def test_naming_a_run_does_not_move_the_seeded_random_stream(tmp_path):
    random.seed(11)
    expected = [random.random() for _ in range(3)]
    random.seed(11)
    make_mlflow_logger("names", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert [random.random() for _ in range(3)] == expected


def test_a_given_run_name_is_kept(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    logger = make_mlflow_logger("names", tracking_uri=uri, run_name="mine")
    assert mlflow.MlflowClient(uri).get_run(logger.run_id).info.run_name == "mine"
