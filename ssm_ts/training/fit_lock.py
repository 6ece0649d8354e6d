"""One fit at a time in a run folder (the folder a fit writes its ``checkpoints/`` into): every fit holds
a lock file there while it trains (:class:`~ssm_ts.training.fit_lock_callback.FitLock`; a Python
``Forecaster`` or ``WaveformGenerator`` fit until ``fit`` returns, :func:`hold_whole_fit_lock`), and a resumed
fit also holds, from before it touches its MLflow run, the lock of the run folder of the checkpoint it
resumes (``fit --ckpt_path last --out X``; ``fit(resume=True)`` checks it). A second writer (a resume of
a fit still training, a fit into an ``--out`` in use) is refused, naming the folder, the process and the
fix, instead of writing into the same checkpoints and MLflow run. Fits into one ``--out`` at once each
write their own run folder (``<out>/<experiment id>/<run id>``) and go ahead. The lock records the pid
and host of its holder; one left by a process that no longer runs on this host (``kill -9``) is taken
over."""

from __future__ import annotations

import atexit
import json
import os
import socket
import threading
import time
from pathlib import Path

from ssm_ts.errors import TrainingError

LOCK_NAME = ".fit.lock"
# a lock file still being written (no pid yet) younger than this counts as held
_WRITING_SECONDS = 10.0
_HELD: dict[Path, int] = {}  # the locks this process holds -> the thread that took each
# what the refusal tells a user of the command line to do for a separate copy
ANOTHER_OUT = "another --out"


def fit_run_folder(ckpt_path: str | os.PathLike) -> Path:
    """The run folder a fit's checkpoint is of: ``<run>`` of ``<run>/checkpoints/last.ckpt`` (the checkpoint's
    own folder for one elsewhere)."""
    folder = Path(ckpt_path).expanduser().resolve().parent
    return folder.parent if folder.name == "checkpoints" else folder


def _holder(path: Path) -> dict | None:
    """The ``{"pid", "host"}`` a lock file records; ``None`` when it is unreadable (being written)."""
    try:
        held = json.loads(path.read_text())
        return held if isinstance(held, dict) and isinstance(held.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def _names(holder: dict | None, pid: int | None) -> bool:
    """Whether ``holder`` (a lock's record) is process ``pid`` of this host."""
    return holder is not None and holder["pid"] == pid and holder.get("host") == socket.gethostname()


def _runs(holder: dict) -> bool:
    """Whether the process a lock records still runs (one on another host: assumed so, it cannot be asked)."""
    if holder.get("host") != socket.gethostname():
        return True
    if holder["pid"] == os.getpid():  # this process's own: taken again (a second fit in one Python)
        return False
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _is_other_rank() -> bool:
    """Whether this process is a distributed fit's rank other than 0 (it runs beside rank 0, which holds
    the lock): the variables Lightning reads a rank from, SLURM's and LSF's included (``srun -n 2`` sets
    only ``SLURM_PROCID`` in each task, so task 1 found task 0's lock held and refused the fit)."""
    return any(os.environ.get(name, "0") not in ("", "0") for name in _RANK_VARIABLES)


_RANK_VARIABLES = ("LOCAL_RANK", "NODE_RANK", "RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK")


def hold_fit_lock(
    run_folder: str | os.PathLike, resume: str, *, separate: str = ANOTHER_OUT, launcher: int | None = None
) -> bool:
    """Take ``run_folder``'s lock for the rest of this fit (released by :func:`release_fit_lock` or
    :func:`release_fit_locks`, and at exit). ``resume`` is what reruns the fit (a command, a call) and
    ``separate`` where a separate copy goes (``another --out``), both named in the error. ``launcher``:
    the pid of the process that started this one to train for it (``ddp_spawn``), whose lock is this fit's.

    Returns:
        Whether this call took the lock: ``False`` when this thread (or ``launcher``) holds it already,
        and on a distributed fit's rank other than 0.

    Raises:
        TrainingError: another process on this host (or another host), or another thread of this
            process, runs a fit in ``run_folder``.
        OSError: the lock cannot be written (a read-only folder).
    """
    if _is_other_rank():
        return False
    path = Path(run_folder) / LOCK_NAME
    if path in _HELD and _names(_holder(path), os.getpid()):
        if _HELD[path] == threading.get_ident():  # taken again by its thread (a resume's, then its fit's)
            return False
        _refuse_another_thread(path, resume, separate)
        _HELD[path] = threading.get_ident()  # its thread ended without releasing it: this call's now
        return True
    for _ in range(3):  # a stale lock removed, then taken; another process may take it in between
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if launcher is not None and _names(holder, launcher):
                return False
            if _runs(holder) if holder is not None else _written_lately(path):
                raise _held_error(path, holder or {}, resume, separate) from None
            # its process has ended (killed, crashed): stale. Removed only if still that holder's: a fit
            # starting at the same moment may have taken the stale lock over already
            if _holder(path) == holder:
                path.unlink(missing_ok=True)
            continue
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"pid": os.getpid(), "host": socket.gethostname()}, f)
        except OSError:  # a full disk, a quota: no empty lock left to refuse the next fit as held
            path.unlink(missing_ok=True)
            raise
        _HELD[path] = threading.get_ident()
        return True
    raise _held_error(path, _holder(path) or {}, resume, separate)


def check_fit_lock(run_folder: str | os.PathLike, resume: str, *, separate: str = ANOTHER_OUT) -> None:
    """Refuse (the :class:`TrainingError` of :func:`hold_fit_lock`) a fit into ``run_folder`` while
    another process holds its lock, without taking it: a resume's check before it touches its MLflow
    run (the fit takes the lock once it trains). A folder that cannot be read counts as free."""
    if _is_other_rank():
        return
    path = Path(run_folder) / LOCK_NAME
    if not path.exists():
        return
    if path in _HELD and _HELD[path] != threading.get_ident() and _names(_holder(path), os.getpid()):
        _refuse_another_thread(path, resume, separate)
    holder = _holder(path)
    if _runs(holder) if holder is not None else _written_lately(path):
        raise _held_error(path, holder or {}, resume, separate)


def _written_lately(path: Path) -> bool:
    """Whether a lock file that records no pid yet was written in the last few seconds (being written)."""
    try:
        return path.stat().st_mtime > time.time() - _WRITING_SECONDS
    except FileNotFoundError:
        return False


def _refuse_another_thread(path: Path, resume: str, separate: str) -> None:
    """Refuse a fit into the folder of lock ``path``, which this process holds, while the thread that
    took it runs (two fits in threads, a notebook's background fit): as one of another process is."""
    if _HELD.get(path) in {thread.ident for thread in threading.enumerate()}:
        raise _held_error(path, _holder(path) or {}, resume, separate, thread=True)


def _held_error(path: Path, holder: dict, resume: str, separate: str, thread: bool = False) -> TrainingError:
    """The refusal of a fit whose run folder's lock ``path`` is held by ``holder`` (``thread``: by another
    thread of this process)."""
    where = "another thread of this process, " if thread else ""
    return TrainingError(
        f"a fit is already running in {path.parent} ({where}process {holder.get('pid', '?')} on "
        f"{holder.get('host', '?')} holds {path}): a second one would train into the same checkpoints and "
        f"MLflow run. Wait for it to end (or stop it), then run {resume} again; to train a separate "
        f"copy, start a new fit with {separate}. If that process no longer runs, delete {path}"
    )


def hold_whole_fit_lock(own_dir: str | os.PathLike) -> Path | None:
    """Take the fit lock of ``own_dir``, the folder a Python fit (``Forecaster``, ``WaveformGenerator``)
    writes its ``checkpoints/`` into, for the whole fit: training, then the scoring, export and MLflow
    logging after it (the trainer's ``FitLock`` finds it this process's and leaves it alone).

    Returns:
        The folder whose lock this call took, for :func:`release_fit_lock` once
        the fit returns or raises; ``None`` when this process holds it already, on a distributed fit's
        rank other than 0, and for a folder that cannot be written (the fit's own write says so).

    Raises:
        TrainingError: another process fits into ``own_dir``.
    """
    folder = fit_run_folder(Path(own_dir) / "checkpoints" / "last.ckpt")  # the folder FitLock names
    try:
        folder.mkdir(parents=True, exist_ok=True)
        took = hold_fit_lock(folder, "fit(..., resume=True)", separate="another out_dir")
    except OSError:
        return None
    return folder if took else None


def release_fit_lock(run_folder: str | os.PathLike) -> None:
    """Remove ``run_folder``'s lock if this process holds it (one another process has taken over since
    is left)."""
    path = Path(run_folder) / LOCK_NAME
    _HELD.pop(path, None)
    if _names(_holder(path), os.getpid()):
        path.unlink(missing_ok=True)


def release_fit_locks(every_thread: bool = False) -> None:
    """Remove the locks this thread holds (``every_thread``: this process; those another process has
    taken over since are left): a command's end leaves a fit that another thread of the process runs
    (two CLI commands run in threads) its lock."""
    for path, thread in list(_HELD.items()):
        if every_thread or thread == threading.get_ident():
            release_fit_lock(path.parent)


atexit.register(release_fit_locks, every_thread=True)
