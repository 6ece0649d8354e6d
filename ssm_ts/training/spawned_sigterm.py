"""SIGTERM during a fit that trains in processes it starts (``ddp_spawn``, ``ddp_fork``: Lightning's
multiprocessing launcher): every process stops as a single-process fit does
(:mod:`ssm_ts.training.mid_epoch`): the started processes write ``last.ckpt`` as the batch under way
ends and exit, and the fit raises Lightning's ``SIGTERMException`` in the process that started them
(the CLI exits 143, the Python API raises ``Terminated``, the MLflow run is KILLED:
:func:`ssm_ts.tracking.interruptible_call.call_interruptibly`). A SIGTERM to one started process alone (a
scheduler preempting a worker) stops the fit so too: every rank takes any rank's noted signal
(:func:`~ssm_ts.training.mid_epoch.terminated`).

Lightning left both sides to chance. The starting process had no handler: it died at once, printing
nothing, and left the started ones training to the end as orphans. The started processes' handler
broadcast the flag itself, a collective run wherever the signal landed, against whatever collective
the other rank was in (gloo aborted: "Received data size doesn't match expected size") or none (a
hang); and a started process stopped by SIGTERM exited 0 without its result, so a starting process
that lived on waited for that result forever."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import wait
from types import FrameType
from typing import Any, NoReturn

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.strategies.launchers import _MultiProcessingLauncher
from lightning.pytorch.trainer.connectors.signal_connector import _SignalConnector
from lightning.pytorch.utilities.exceptions import SIGTERMException

# a started process stopped by SIGTERM exits so (128 + SIGTERM, the shell's convention); 0 meant success
TERMINATED_EXIT_CODE = 128 + signal.SIGTERM
# how long the started processes get, once SIGTERM reached the starting one, to end their batch, write
# last.ckpt and exit, before they are killed (one stuck in a collective would never exit)
STOP_GRACE_S = 60.0
# how long the others get once one has ended: a rank stopped at a batch's end exits within seconds of it
PEER_GRACE_S = 10.0


class NotingSignalConnector(_SignalConnector):
    """Lightning's SIGTERM handling in a started process, where the handler only notes the signal
    (``pending_sigterm``): Lightning's set ``received_sigterm`` and broadcast it there and then. The fit
    sets that flag on every rank together, in a collective of its own, at the end of a training batch
    (:func:`~ssm_ts.training.mid_epoch.terminated`, the batch's last.ckpt written first) or as the next
    epoch starts (:class:`NotedSigtermCounts`); Lightning's checks then stop every rank at the same point.
    Set as each rank checked it, a rank stopped in a validation the others went on with, or before the
    batch's checkpoint (Lightning's check before the next batch came first)."""

    pending_sigterm = False

    def _sigterm_notifier_fn(self, signum: Any, _: FrameType | None) -> None:
        self.pending_sigterm = True


class NotedSigtermCounts(Callback):
    """In a started process: a SIGTERM noted (:class:`NotingSignalConnector`) stops the fit on every rank
    together (:func:`~ssm_ts.training.mid_epoch.terminated`, a collective every rank reaches) at the end of
    the training batch under way (ssm-ts's checkpoint callback asks first; a batch is asked once), or,
    noted in an epoch's last batch or its validation, as the next epoch starts (that epoch's checkpoints
    written; the fit then stops after that batch). Not at the epoch's end: there Lightning's progress bar
    syncs the epoch's metrics on rank 0 alone, the other ranks later, and a collective between them
    paired the wrong calls (a hang). Holds no state."""

    def on_train_batch_start(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        from ssm_ts.training.mid_epoch import terminated

        if batch_idx == 0:
            terminated(trainer)

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
        from ssm_ts.training.mid_epoch import terminated

        if not trainer.fit_loop.epoch_loop.batch_progress.is_last_batch:
            terminated(trainer)


class StoppableSpawnLauncher(_MultiProcessingLauncher):
    """Lightning's launcher of started processes, where SIGTERM stops them all (module docstring).
    ``sigterm_received``: SIGTERM reached this (the starting) process during the fit; ``killed``: the
    started processes still ran a grace after it (:meth:`_stop_started_processes`) and were killed, none
    having stopped at a batch's end; ``started_at``: when
    the fit launched them (``time.time()``), to tell their checkpoints from older ones."""

    def __init__(self, strategy: Any, start_method: str = "spawn") -> None:
        super().__init__(strategy, start_method=start_method)  # type: ignore[arg-type]
        self.sigterm_received = False
        self.killed = False
        self.started_at: float | None = None
        self._killed_running = False  # the started processes still running were killed
        self._launch_over = threading.Event()

    def launch(self, function: Callable, *args: Any, trainer: pl.Trainer | None = None, **kwargs: Any) -> Any:
        """Lightning's launch, with SIGTERM passed on to the started processes; their stop by it (or
        this process's) raises ``SIGTERMException`` here, as a single-process fit does."""
        from torch.multiprocessing import ProcessExitedException, ProcessRaisedException

        self.started_at = time.time()
        with self._sigterm_passed_on():
            try:
                result = super().launch(function, *args, trainer=trainer, **kwargs)
            except (ProcessExitedException, ProcessRaisedException) as err:
                if self.sigterm_received or getattr(err, "exit_code", None) == TERMINATED_EXIT_CODE:
                    raise SIGTERMException() from err
                raise
            finally:
                self._end_started_processes()
        if self.sigterm_received:  # it came as the fit ended: what follows it (export, logging) is not run
            raise SIGTERMException()
        return result

    def _wrapping_function(self, process_idx: int, trainer: pl.Trainer | None, *args: Any) -> None:
        """In each started process: Lightning's, where SIGTERM is only noted (:class:`NotingSignalConnector`)
        and its stop ends the process with :data:`TERMINATED_EXIT_CODE`; the process gets SIGTERM when the
        starting one dies (Lightning's SIGINT left it training where SIGINT is ignored, as in a background
        job)."""
        from torch.multiprocessing import _prctl_pr_set_pdeathsig  # type: ignore[attr-defined]

        _prctl_pr_set_pdeathsig(signal.SIGTERM)
        if trainer is not None:
            trainer._signal_connector = NotingSignalConnector(trainer)
            trainer.callbacks.append(NotedSigtermCounts())
        try:
            super()._wrapping_function(process_idx, trainer, *args)
        except SIGTERMException:
            _exit_now(TERMINATED_EXIT_CODE)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()  # the launcher goes to each started process: an event does not
        state.pop("_launch_over", None)
        return state

    def _running(self) -> list[Any]:
        """The started processes still running: those whose sentinel is not ready. None is reaped here
        (``is_alive`` would): Lightning's join does that, and a process reaped by another thread read
        there as one that failed."""
        procs = [proc for proc in self.procs if proc.pid is not None]
        ended = set(wait([proc.sentinel for proc in procs], timeout=0)) if procs else set()
        return [proc for proc in procs if proc.sentinel not in ended]

    def _signal_running(self, signum: int) -> None:
        for proc in self._running():
            with suppress(ProcessLookupError):
                os.kill(proc.pid, signum)

    def _stop_started_processes(self) -> None:
        """A thread from this process's SIGTERM on: SIGTERM to the started processes (once Lightning has
        started them: the signal may come first); once one has ended, the others get
        :data:`PEER_GRACE_S` to follow (one stuck in a collective with it would never end), and all of them
        :data:`STOP_GRACE_S`; those still running then are killed."""
        deadline = time.monotonic() + STOP_GRACE_S
        while not self.procs and not self._launch_over.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._signal_running(signal.SIGTERM)
        running = self._running()
        while running and time.monotonic() < deadline:
            ended = wait([proc.sentinel for proc in running], timeout=max(0.0, deadline - time.monotonic()))
            if ended:
                deadline = min(deadline, time.monotonic() + PEER_GRACE_S)
            running = self._running()
        if running:
            self._killed_running = True
            self._signal_running(signal.SIGKILL)

    @contextmanager
    def _sigterm_passed_on(self) -> Iterator[None]:
        """This process's SIGTERM handler while the started processes run: the first SIGTERM starts
        :meth:`_stop_started_processes` (``timeout`` signals a command twice); a handler set before (not
        the default) runs too."""
        if threading.current_thread() is not threading.main_thread():
            yield  # only the main thread sets handlers: Lightning's behaviour
            return
        previous = signal.getsignal(signal.SIGTERM)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if not self.sigterm_received:
                self.sigterm_received = True
                threading.Thread(target=self._stop_started_processes, daemon=True).start()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            yield
        finally:
            self._launch_over.set()
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

    def _end_started_processes(self) -> None:
        """None of the started processes outlives the fit: whatever ended it here (Ctrl-C, an error, a
        handler set before that raised), those still running get SIGTERM (they write last.ckpt and
        exit), then SIGKILL after :data:`STOP_GRACE_S`."""
        alive = [proc for proc in self.procs if proc.is_alive()]
        if alive:
            self._signal_running(signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_S
            for proc in alive:
                proc.join(max(0.0, deadline - time.monotonic()))
            if self._running():
                self._killed_running = True
                self._signal_running(signal.SIGKILL)
            for proc in alive:
                proc.join()
        # killed before the batch under way was saved: none of them had stopped at its end and exited so
        stopped = any(proc.exitcode == TERMINATED_EXIT_CODE for proc in self.procs)
        self.killed = self._killed_running and not stopped


def _exit_now(code: int) -> NoReturn:
    """End this started process, its checkpoint written, with exit code ``code``, now: the interpreter's
    own exit (its modules torn down, the process group's at exit) took seconds, of the grace a scheduler
    gives after SIGTERM. Its own started processes (data loader workers) end first, its output is
    flushed."""
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(5)
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(code)


def stop_started_processes_together(trainer: Any) -> None:
    """Give ``trainer``, when it fits in processes it starts, a :class:`StoppableSpawnLauncher`: a SIGTERM
    stops them all, each with its last.ckpt (module docstring). Before its ``fit``; once is enough."""
    strategy = getattr(trainer, "strategy", None)
    launcher = getattr(strategy, "launcher", None)
    if type(launcher) is _MultiProcessingLauncher:  # a user's own launcher subclass is left alone
        strategy._launcher = StoppableSpawnLauncher(strategy, start_method=launcher._start_method)
