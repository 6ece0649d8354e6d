"""What one DDP rank does alone reaches the others: SIGTERM to a started process other than rank 0 (a
preempted worker) stops every rank at the same batch, as one to the main process does; the test confusion
matrix, a collective, is gathered on every rank though rank 0 alone logs it. Before, rank 0's flag alone
was broadcast (the worker's SIGTERM was unheeded, the fit trained on), and rank 0 gathered the matrix
alone, against the other rank's next collective: ``trainer.test`` hung under ``ddp_spawn``.

Two forked processes on gloo (the way tests/test_exact_resume_forecast_ddp.py runs them), a collective's
timeout of a few seconds, so a mismatched one fails the test instead of hanging it."""

from __future__ import annotations

import os
import signal
from types import SimpleNamespace

import pytest
import torch
import torch.multiprocessing as mp
import torchmetrics
from lightning.pytorch.loggers import MLFlowLogger

# imported here, so that the forked processes start with them (importing Lightning took seconds there)
from ssm_ts.tasks import classification_confusion
from ssm_ts.training.mid_epoch import terminated
from ssm_ts.training.spawned_sigterm import NotingSignalConnector
from tests.gloo_pair import gloo_rank

CPU = torch.device("cpu")


class _FitStandIn:
    """The parts of a started process's trainer that :func:`terminated` reads, at a batch's end."""

    def __init__(self) -> None:
        self.world_size = 2
        self.strategy = SimpleNamespace(root_device=CPU)
        progress = SimpleNamespace(total=SimpleNamespace(processed=3))
        self.fit_loop = SimpleNamespace(epoch_loop=SimpleNamespace(batch_progress=progress))
        self._signal_connector = NotingSignalConnector(self)

    @property
    def received_sigterm(self) -> bool:
        return self._signal_connector.received_sigterm


def sigterm_to_rank_one(rank: int, folder: str) -> None:
    with gloo_rank(rank, folder):
        trainer = _FitStandIn()
        previous = signal.signal(signal.SIGTERM, trainer._signal_connector._sigterm_notifier_fn)
        if rank == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # the scheduler's, to this worker alone
        signal.signal(signal.SIGTERM, previous)
        assert terminated(trainer), rank  # was False on both: rank 0's flag alone was broadcast
        assert trainer.received_sigterm, rank  # Lightning's loops stop every rank before the next batch
        assert terminated(trainer), rank  # asked again at the same batch: the same answer, no collective


@pytest.mark.timeout(60)
def test_a_sigterm_to_rank_one_alone_stops_every_rank(tmp_path):
    mp.start_processes(sigterm_to_rank_one, args=(str(tmp_path),), nprocs=2, start_method="fork")


def confusion_on_every_rank(rank: int, folder: str) -> None:
    with gloo_rank(rank, folder):
        logged = []
        classification_confusion.log_confusion_matrix = lambda loggers, matrix, *_: logged.append(matrix)
        confusion = torchmetrics.ConfusionMatrix(task="multiclass", num_classes=2)
        confusion.update(torch.tensor([rank, 1]), torch.tensor([1, 1]))  # each rank's own test windows
        loggers = [_mlflow_logger()]
        task = SimpleNamespace(trainer=SimpleNamespace(loggers=loggers, global_rank=rank), test_confusion=confusion,
                               classes=["a", "b"])  # fmt: skip
        classification_confusion.log_test_confusion(task)
        epoch_loss = torchmetrics.MeanMetric()  # the epoch's metrics, which Lightning computes next
        epoch_loss.update(torch.tensor(float(rank)))
        assert float(epoch_loss.compute()) == 0.5, rank
        if rank == 0:
            (matrix,) = logged
            assert matrix.tolist() == [[0, 0], [1, 3]]  # both ranks' windows (rows: true classes)
        else:
            assert not logged  # rank 0 alone logs


def _mlflow_logger():
    """An MLflow logger as the trainer lists it; nothing reaches a store (the logging is recorded)."""
    return MLFlowLogger.__new__(MLFlowLogger)


@pytest.mark.timeout(60)
def test_the_test_confusion_matrix_is_gathered_on_every_rank(tmp_path):
    mp.start_processes(confusion_on_every_rank, args=(str(tmp_path),), nprocs=2, start_method="fork")
