"""Ctrl-C during ``ssm-ts forecast tune``: Optuna's own two warnings for the stopped trial ("Trial 1
failed ... KeyboardInterrupt()" and "Trial 1 failed with value None") stood above the search's message,
which says already what was kept and how to continue. They are dropped; Optuna's warnings for a trial
that failed otherwise are kept (a TrainingError's without its traceback)."""

from __future__ import annotations

import logging

import optuna
import pytest

from ssm_ts.api.tune_objective import QuietOptuna
from ssm_ts.errors import TrainingError


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def optuna_records():
    handler = Records()
    logging.getLogger("optuna").addHandler(handler)
    yield handler.records
    logging.getLogger("optuna").removeHandler(handler)


def test_ctrl_c_trial_is_silent_other_failures_still_warn(optuna_records):
    def objective(trial: optuna.Trial) -> float:
        trial.suggest_float("lr", 1e-4, 1e-2, log=True)
        if trial.number == 0:
            raise ValueError("a value the search goes on after")
        if trial.number == 1:
            raise TrainingError("the loss went NaN")
        raise KeyboardInterrupt

    study = optuna.create_study()
    with QuietOptuna(), pytest.raises(KeyboardInterrupt):
        study.optimize(objective, n_trials=5, catch=(ValueError, TrainingError))
    warned = [record for record in optuna_records if record.levelno >= logging.WARNING]
    messages = [record.getMessage() for record in warned]
    assert [m.split()[:3] for m in messages] == [["Trial", "0", "failed"]] * 2 + [
        ["Trial", "1", "failed"]
    ] * 2
    assert "ValueError('a value the search goes on after')" in messages[0]
    assert warned[0].exc_info is not None  # a bug's traceback is kept
    assert warned[2].exc_info is None  # a TrainingError's one line says why
    assert not any("Trial 2" in m or "KeyboardInterrupt" in m for m in messages)
    assert study.trials[2].state == optuna.trial.TrialState.FAIL  # Optuna still marks it


def test_filter_leaves_optuna_as_it_was(optuna_records):
    with QuietOptuna():
        pass
    assert not logging.getLogger("optuna.study._optimize").filters
