"""SIGTERM to the command of a ``ddp_spawn`` fit (``kill``, a scheduler's preemption, ``docker stop``)
stops it as a single-process fit: its two started processes write ``last.ckpt`` at the batch under way
and exit, the command exits 143 naming the resume, its MLflow run is KILLED, and no process is left.

The command had no handler under ``ddp_spawn``: it died at once, printing nothing, and left the started
processes training to the end as orphans (their handler's own broadcast of the flag, a collective run
wherever the signal landed, aborted gloo on a mismatched collective or hung). Here the command runs in
the test's process, with a SIGTERM handler of the test's own first (a handler set before the fit's runs
too): without the fit's, the signal stopped nothing and the fit ran to its end."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import lightning.pytorch as pl
import mlflow
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri

STOP_BATCH = 2  # the batch of epoch 0 during which the command gets SIGTERM


class TermCommandDuringBatch(pl.Callback):
    """On rank 0, during batch :data:`STOP_BATCH`: SIGTERM to the command (the started processes' parent),
    then a wait until the signal was passed on here, so that the stop comes at this batch's end."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.global_rank != 0 or (trainer.current_epoch, batch_idx) != (0, STOP_BATCH):
            return
        os.kill(os.getppid(), signal.SIGTERM)
        connector, deadline = trainer._signal_connector, time.monotonic() + 10
        while not getattr(connector, "pending_sigterm", False) and time.monotonic() < deadline:
            time.sleep(0.01)


class StuckAfterTermDuringBatch(TermCommandDuringBatch):
    """The same SIGTERM, then a batch that does not end for 20 s (a rank stuck in a collective)."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        super().on_train_batch_start(trainer, pl_module, batch, batch_idx)
        if trainer.global_rank == 0 and (trainer.current_epoch, batch_idx) == (0, STOP_BATCH):
            time.sleep(20)


@pytest.fixture
def sigterm_noted():
    """SIGTERMs to this process, noted by a handler of the test's own (never its default end)."""
    noted: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: noted.append(signum))
    yield noted
    signal.signal(signal.SIGTERM, previous)


def started_processes() -> list[int]:
    """The processes a fit started from this one that still exist, zombies included (not
    multiprocessing's resource tracker: it lives as long as this process)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            started = b"spawn_main" in (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if ppid == os.getpid() and started:
            found.append(int(proc.name))
    return found


def spawned_fit_args(callback: type[pl.Callback] | None) -> list[str]:
    """A tiny ``ddp_spawn`` fit on two processes of 8 batches of 8 windows (``etth1.csv``, the working
    folder's), into ``out``, with ``callback`` (``None``: none)."""
    return ["forecast", "fit", "--data.path", "etth1.csv", "--data.target", "OT", "--data.time_col", "date",
            "--model.model", "s4d", "--model.model_options", "{d_model: 4, n_layers: 1, d_state: 4}",
            "--model.lookback", "16", "--model.horizon", "4", "--data.batch_size", "8",
            "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "8", "--trainer.limit_val_batches", "1",
            "--trainer.enable_progress_bar", "false", "--trainer.strategy", "ddp_spawn", "--trainer.devices", "2",
            "--trainer.accelerator", "cpu", "--out", "out",
            *([f"--trainer.callbacks+={__name__}.{callback.__name__}"] if callback else [])]  # fmt: skip


@pytest.fixture
def etth1(shared_data, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:400].to_csv("etth1.csv", index=False)


@pytest.mark.timeout(240)
@pytest.mark.usefixtures("etth1")
def test_sigterm_to_a_ddp_spawn_fit_stops_every_process_at_the_batch_and_exits_143(capsys, sigterm_noted):
    code = cli.main(spawned_fit_args(TermCommandDuringBatch))
    err = " ".join(capsys.readouterr().err.split())
    assert sigterm_noted == [signal.SIGTERM]
    assert code == 143, err[-2000:]
    assert started_processes() == []  # both ended, and were reaped
    assert "ssm-ts forecast fit: stopped by SIGTERM; its checkpoints are kept" in err
    assert "Resume it, in the same run, with: ssm-ts forecast fit --ckpt_path last --out out" in err
    (last,) = Path("out").rglob("last.ckpt")
    checkpoint = torch.load(last, map_location="cpu", weights_only=True)
    # written as batch STOP_BATCH ended, in an epoch under way: a resume goes on at the next batch
    assert checkpoint["global_step"] == STOP_BATCH + 1
    batches = checkpoint["loops"]["fit_loop"]["epoch_loop.batch_progress"]
    assert batches["current"]["processed"] == STOP_BATCH + 1 and not batches["is_last_batch"]
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.info.status == "KILLED"

    # the resume trains the epoch's other batches on both processes (each rank's loader skips the ones
    # trained: Lightning sharded that loader again and failed, "list index out of range")
    assert cli.main([*spawned_fit_args(None), "--ckpt_path", "last"]) == 0
    assert torch.load(last, map_location="cpu", weights_only=True)["global_step"] == 8


@pytest.mark.timeout(240)
@pytest.mark.usefixtures("etth1")
def test_started_processes_that_do_not_stop_after_sigterm_are_killed_and_the_message_says_so(
    capsys, sigterm_noted, monkeypatch
):
    from ssm_ts.training import spawned_sigterm

    monkeypatch.setattr(spawned_sigterm, "STOP_GRACE_S", 2.0)  # the command's wait (60 s)
    code = cli.main(spawned_fit_args(StuckAfterTermDuringBatch))
    err = " ".join(capsys.readouterr().err.split())
    assert code == 143, err[-2000:]
    assert started_processes() == []
    assert "its training processes did not stop and were killed, so the batch under way was not saved" in err
    assert "before the fit wrote its first checkpoint" in err  # epoch 0: it had written none
