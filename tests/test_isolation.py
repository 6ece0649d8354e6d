"""What one test leaves behind does not reach the next (tests/conftest.py ``_seed_and_isolate``).

The tests of this module run in order, in pairs: the first leaves state as a fit would, the second checks
that it starts without it.
"""

from __future__ import annotations

import os

import lightning.pytorch as pl
import mlflow
import pytest
from lightning.fabric.utilities.seed import seed_everything

from tests.conftest import LEFT_BY_FITS


def test_a_fit_seeded_with_3_leaves_its_seed_in_the_environment():
    pl.seed_everything(3, workers=True, verbose=False)  # as Forecaster(seed=3).fit, --seed_everything 3
    os.environ["MASTER_PORT"] = "29517"  # as a ddp_spawn fit does (Lightning's launcher, in this process)
    assert os.environ["PL_GLOBAL_SEED"] == "3" and os.environ["PL_SEED_WORKERS"] == "1"


def test_the_next_test_starts_without_it():
    # before: PL_GLOBAL_SEED=3 was still set, and a CLI fit without --seed_everything seeded with 3, not 0
    # (the line fit of tests/cli/test_cli_machinery.py then missed its slope by 0.28, over its 0.2)
    assert not [name for name in LEFT_BY_FITS if name in os.environ]
    assert seed_everything(verbose=False) == 0  # what LightningCLI seeds with when given no seed


@pytest.fixture(scope="module")
def environment_between_tests() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in LEFT_BY_FITS}


def test_module_fixtures_made_between_tests_do_not_see_it_either(environment_between_tests):
    # before: the previous test's monkeypatch put PL_GLOBAL_SEED=3 back when it ended (it was set when it
    # started), so a module fixture's CLI fit without --seed_everything seeded with 3
    assert environment_between_tests == dict.fromkeys(LEFT_BY_FITS)


def test_a_logged_fit_sets_mlflows_tracking_uri(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")  # as Lightning's MLFlowLogger does


def test_the_next_test_reads_its_own_store(tmp_path):
    # before: mlflow.get_tracking_uri() (and so mlflow.get_run, MlflowClient()) gave the previous test's store
    assert (
        mlflow.get_tracking_uri()
        == os.environ["MLFLOW_TRACKING_URI"]
        == f"sqlite:///{tmp_path / 'mlflow.db'}"
    )
