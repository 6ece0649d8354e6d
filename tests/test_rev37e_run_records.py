"""What a stopped fit leaves in MLflow and says: Ctrl-C before a logger started its run starts none (reading
``run_id`` started a run only to mark it KILLED); Ctrl-C's message and an error's note name the front end's
own resume call; a long error keeps when it stopped in the run's tag."""

from __future__ import annotations

import mlflow
import pytest
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.tasks.interruptible_fit import fit_interruptibly
from ssm_ts.tracking.interruptible_call import call_interruptibly
from ssm_ts.tracking.logger import default_tracking_uri
from ssm_ts.tracking.run_status import STOP_TAG, end_run
from tests.run_record_fakes import StartedLogger

HINT = "call fit(..., resume=True) on a Forecaster with out_dir='runs'"


def _runs() -> list:
    client = mlflow.MlflowClient(default_tracking_uri())
    experiment = client.get_experiment_by_name("rev37e")
    return [] if experiment is None else client.search_runs([experiment.experiment_id])


def test_ctrl_c_before_the_logger_started_its_run_starts_none():
    logger = MLFlowLogger("rev37e", tracking_uri=default_tracking_uri())
    end_run(logger, "KILLED")
    assert _runs() == []  # was one run, started here only to be KILLED
    started = MLFlowLogger("rev37e", tracking_uri=default_tracking_uri())
    started.log_hyperparams({"a": 1})
    end_run(started, "KILLED")
    (run,) = _runs()
    assert run.info.run_id == started.run_id and run.info.status == "KILLED"


def _ctrl_c(**kwargs):
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise SystemExit(1) from None  # as Lightning ends a fit on Ctrl-C


def test_ctrl_c_names_the_front_ends_resume_call():
    with pytest.raises(KeyboardInterrupt) as raised:
        fit_interruptibly(_ctrl_c, [], resume_hint=HINT)
    assert str(raised.value) == f"fit interrupted; its last.ckpt is kept, to continue: {HINT}"
    with pytest.raises(KeyboardInterrupt, match="resume to continue$"):
        fit_interruptibly(_ctrl_c, [])  # a front end that names none


class _Trainer:
    """A resumed Trainer whose fit raises ``error`` before writing a checkpoint of its own."""

    checkpoint_callbacks: list = []
    current_epoch, global_step = 0, 3

    def __init__(self, ckpt_path, error):
        self.ckpt_path, self.error = ckpt_path, error

    def fit(self):
        raise self.error


def test_an_errors_note_names_the_front_ends_resume_call(tmp_path):
    start = tmp_path / "last.ckpt"
    start.write_bytes(b"")
    with pytest.raises(ValueError) as raised:
        call_interruptibly(
            _Trainer(str(start), ValueError("bad row")).fit, [StartedLogger()], resume_hint=HINT
        )
    (note,) = raised.value.__notes__
    assert f"resume into the same run ({HINT})." in note and "--ckpt_path" not in note


def test_a_long_errors_tag_keeps_when_the_fit_stopped(tmp_path):
    logger = StartedLogger()
    with pytest.raises(ValueError):
        call_interruptibly(_Trainer(None, ValueError("x" * 9000)).fit, [logger])
    tag = logger.experiment.tags[STOP_TAG]
    assert tag.endswith("x ... (epoch 0, step 3)") and len(tag) < 8000


class _CtrlCTrainer:
    """A fresh fit stopped by Ctrl-C in its first epoch, before any checkpoint."""

    checkpoint_callbacks: list = []
    current_epoch, global_step, ckpt_path = 0, 2, None

    def fit(self):
        _ctrl_c()


def test_ctrl_c_before_the_first_checkpoint_says_there_is_nothing_to_resume():
    logger = StartedLogger()
    with pytest.raises(KeyboardInterrupt) as raised:
        fit_interruptibly(_CtrlCTrainer().fit, [logger], resume_hint=HINT)
    assert str(raised.value) == (
        "fit interrupted before its first checkpoint: there is nothing to resume, fit again "
        "(MLflow run r1, marked KILLED)"
    )  # it said its last.ckpt was kept
