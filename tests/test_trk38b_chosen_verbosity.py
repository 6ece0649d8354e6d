"""``set_verbosity(True)`` holds for the Python fits after it: every fit's trainer (``build_trainer``) set
quiet again (Lightning at WARNING, MLflow at ERROR), so the advice to call it showed nothing. A quiet
choice after it (a later CLI command without ``--verbose``) is quiet again."""

from __future__ import annotations

import logging
import warnings

import pytest
from lightning.pytorch.callbacks import ModelSummary

from ssm_ts.training import build_trainer, set_verbosity
from ssm_ts.training.verbosity import QUIET_LEVELS


@pytest.fixture
def verbosity_restored(monkeypatch):
    """The loggers' levels, the warning filters and the process's choice as they were (quiet) after the test."""
    for name in QUIET_LEVELS:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    with warnings.catch_warnings():
        yield
        set_verbosity(False)


def said(capfd, caplog) -> str:
    captured = capfd.readouterr()
    return captured.out + captured.err + caplog.text


def summarised(trainer) -> bool:
    return any(isinstance(c, ModelSummary) for c in trainer.callbacks)


def test_a_verbose_choice_holds_for_the_trainer_of_a_later_fit(verbosity_restored, tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO)
    set_verbosity(True)
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path / "loud", accelerator="cpu", progress=False)
    assert "GPU available" in said(capfd, caplog)  # Lightning's own report (was hidden again)
    assert logging.getLogger("lightning.pytorch").level == logging.INFO  # was WARNING
    assert logging.getLogger("mlflow").level == logging.INFO  # was ERROR
    assert summarised(trainer)  # the model summary is Lightning's output too


def test_a_quiet_choice_after_a_verbose_one_is_quiet_again(verbosity_restored, tmp_path, capfd, caplog):
    caplog.set_level(logging.INFO)
    set_verbosity(True)
    set_verbosity(False)  # as `ssm-ts ... fit` without --verbose after a verbose command in one process
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path / "quiet", accelerator="cpu", progress=False)
    assert "GPU available" not in said(capfd, caplog)
    assert logging.getLogger("lightning.pytorch").level == logging.WARNING
    assert logging.getLogger("mlflow").level == logging.ERROR
    assert not summarised(trainer)
