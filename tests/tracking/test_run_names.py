"""Runs started after the same seed get different MLflow names, and naming leaves the seed's stream alone."""

from __future__ import annotations

import random
import re

import lightning.pytorch as pl
import mlflow
import numpy as np
import torch

from ssm_ts.tracking.logger import make_mlflow_logger, unseeded_run_name


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


def test_a_name_is_ours_not_mlflows_private_generators(monkeypatch):
    from mlflow.utils import name_utils

    # a private name any MLflow release may drop: naming a run must not need it
    monkeypatch.delattr(name_utils, "_generate_random_name", raising=False)
    names = [unseeded_run_name() for _ in range(20)]
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", name) and len(name) <= 20 for name in names), names


def test_names_follow_no_seed_and_move_no_seeded_stream():
    names, draws = set(), []
    for _ in range(3):
        random.seed(3), np.random.seed(3), torch.manual_seed(3)
        names.add(unseeded_run_name())
        draws.append((random.random(), float(np.random.rand()), float(torch.rand(1))))
    assert len(names) == 3, names
    assert draws[0] == draws[1] == draws[2]
