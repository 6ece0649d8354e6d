"""Under ``--trainer.strategy ddp_spawn`` each started process printed Lightning's banners and hints
("Initializing distributed: GLOBAL_RANK ...", "distributed_backend=gloo", the LeafSpec deprecation once a
rank, "The number of training batches ... is smaller than the logging interval", "`Trainer.fit` stopped"),
which a quiet command hides in its own process: log levels and warning filters are per process. The
trainer's SpawnedWarningLines, unpickled in each started process, quiets it there too. Checked in one
process: the callback unpickled as in a started one."""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import warnings

import pytest

from ssm_ts.cli.spawned_warnings import SpawnedWarningLines
from ssm_ts.training.verbosity import QUIET_LEVELS


@pytest.fixture
def loud_lightning(monkeypatch):
    """Lightning's log level as a started process has it (INFO: its banners show), put back after."""
    for name in QUIET_LEVELS:  # the levels the callback sets, put back after the test
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # set_verbosity's, gone after
    logger = logging.getLogger("lightning.pytorch")
    logger.setLevel(logging.INFO)
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)
    with warnings.catch_warnings():  # the filters the callback adds go with the test
        warnings.resetwarnings()
        yield logger


def _shown(message: str) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn(message, UserWarning, stacklevel=1)
    return bool(caught)


def test_unpickled_in_a_started_process_it_quiets_lightning(loud_lightning, monkeypatch):
    hint = "The number of training batches (2) is smaller than the logging interval Trainer(log_every_n_steps=50)."
    callback = pickle.dumps(SpawnedWarningLines("forecast"))
    pickle.loads(callback)  # in the command's own process: nothing changes
    assert loud_lightning.level == logging.INFO and _shown(hint)

    monkeypatch.setattr(multiprocessing.current_process(), "name", "SpawnProcess-1")  # a started process
    pickle.loads(callback)
    assert loud_lightning.level == logging.WARNING  # "Initializing distributed", "`Trainer.fit` stopped"
    assert not _shown(hint)
    assert _shown("a warning of the user's own")
