"""Review of the fit lock (ssm_ts/training/fit_lock.py): a lock file whose record cannot be written (a
full disk, a quota) was left behind empty, so every fit into that folder for the next seconds was refused
as 'process ? on ? holds it' and the file stayed until the next fit took it as stale. A fit in another
thread of this process counted as this fit's own."""

from __future__ import annotations

import threading

import pytest

from ssm_ts.errors import TrainingError
from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME, hold_fit_lock, release_fit_lock, release_fit_locks


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_a_lock_whose_record_cannot_be_written_is_not_left_behind(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fit_lock.json, "dump", full_disk)
    with pytest.raises(OSError, match="No space"):
        hold_fit_lock(tmp_path, "the fit")
    assert not (tmp_path / LOCK_NAME).exists()
    monkeypatch.undo()
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert hold_fit_lock(tmp_path, "the fit")  # the next fit takes the folder at once
    release_fit_lock(tmp_path)
    assert not (tmp_path / LOCK_NAME).exists()


class _Holder:
    """Another thread of this process that holds ``folder``'s lock until :meth:`stop` (or ends without
    releasing it with ``release=False``)."""

    def __init__(self, folder, release: bool = True):
        self.folder, self.release = folder, release
        self.took, self.stopping = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.took.wait(10)

    def _run(self):
        hold_fit_lock(self.folder, "the fit")
        self.took.set()
        self.stopping.wait(30)
        if self.release:
            release_fit_locks()

    def stop(self):
        self.stopping.set()
        self.thread.join()


def test_a_fit_in_another_thread_of_this_process_is_refused_and_its_lock_is_its_own(tmp_path):
    """Two fits into one folder in threads of one process both went ahead (this process's own lock was
    taken again), and one command's end (cli.main's release_fit_locks) dropped the other's lock."""
    holder = _Holder(tmp_path)
    try:
        with pytest.raises(TrainingError, match=r"another thread of this process, process \d+ on"):
            hold_fit_lock(tmp_path, "the fit")
        release_fit_locks()  # this thread's locks: none; the other thread's fit keeps its own
        assert (tmp_path / LOCK_NAME).exists()
    finally:
        holder.stop()
    assert not (tmp_path / LOCK_NAME).exists()  # released by the thread that took it


def test_a_python_resume_of_a_fit_another_thread_trains_is_refused(tmp_path):
    import numpy as np
    import pandas as pd

    from ssm_ts import Forecaster

    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    series = pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 5.0)})
    model = Forecaster(model="nlinear", lookback=12, horizon=4, max_epochs=1, out_dir=str(tmp_path),
                       log_to_mlflow=False, trainer_options={"enable_progress_bar": False})  # fmt: skip
    model.fit(series, target="y", time_col="time")
    (fit,) = (tmp_path / "fits").iterdir()
    holder = _Holder(fit)  # as that fit still training in another thread
    try:
        model.max_epochs = 2
        with pytest.raises(TrainingError, match=f"already running in {fit} .another thread of this process"):
            model.fit(series, target="y", time_col="time", resume=True)
    finally:
        holder.stop()


def test_a_lock_left_by_a_thread_that_ended_is_taken_by_the_next_fit(tmp_path):
    _Holder(tmp_path, release=False).stop()
    assert hold_fit_lock(tmp_path, "the fit")  # taken: this fit releases it
    release_fit_lock(tmp_path)
    assert not (tmp_path / LOCK_NAME).exists()
