"""Callbacks given in ``trainer_options`` start every fit fresh: a second ``fit`` and each
``backtest(refit=...)`` refit train with their own copies, so EarlyStopping's best score (and any
callback state) never carries over from an earlier fit. On real ETTh1 rows."""

from __future__ import annotations

import math

import pytest
from lightning.pytorch.callbacks import Callback, EarlyStopping
from lightning.pytorch.profilers import SimpleProfiler

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError


class Recorder(Callback):
    """Records, at each fit's start, what it and the user's EarlyStopping carried in; then its epochs."""

    def __init__(self, log: list[dict]):
        self.entries = log
        self.epochs: list[int] = []

    def __deepcopy__(self, memo: dict) -> Recorder:  # the copy keeps reporting to the test's list
        copied = Recorder(self.entries)
        copied.epochs = list(self.epochs)
        return copied

    def on_fit_start(self, trainer, pl_module) -> None:
        stoppers = [c for c in trainer.callbacks if type(c) is EarlyStopping]
        self.entries.append({"epochs": list(self.epochs), "best": [float(c.best_score) for c in stoppers]})

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.epochs.append(trainer.current_epoch)


def forecaster(tmp_path, log: list[dict], user: list[Callback] | None = None) -> Forecaster:
    callbacks = user if user is not None else [EarlyStopping("val_loss", patience=1), Recorder(log)]
    return Forecaster(
        model="nlinear", lookback=48, horizon=12, max_epochs=3, patience=None, log_to_mlflow=False,
        out_dir=str(tmp_path), trainer_options={"limit_train_batches": 5, "callbacks": callbacks},
    )  # fmt: skip


def test_a_second_fit_starts_with_fresh_callbacks(ett, tmp_path, single_thread):
    log: list[dict] = []
    user = [EarlyStopping("val_loss", patience=1), Recorder(log)]
    fc = forecaster(tmp_path, log, user)
    fc.fit(ett, target="OT", time_col="date")
    first = fc.callbacks_[1].epochs
    fc.fit(ett, target="OT", time_col="date")
    assert len(log) == 2 and all(entry == {"epochs": [], "best": [math.inf]} for entry in log)
    assert fc.callbacks_[1].epochs == first and len(first) > 1  # the same data: the same epochs again
    assert user[1].epochs == [] and user[0].best_score == math.inf  # the user's own objects untouched


def test_each_refit_starts_with_fresh_callbacks(ett, tmp_path, single_thread):
    log: list[dict] = []
    fc = forecaster(tmp_path, log).fit(ett, target="OT", time_col="date")
    fc.backtest(ett, n_windows=2, refit=True)
    assert len(log) == 3  # the fit, then a refit before each window
    assert all(entry == {"epochs": [], "best": [math.inf]} for entry in log)


class _Uncopyable(Callback):
    def __deepcopy__(self, memo):
        raise TypeError("cannot pickle '_thread.lock' object")


def test_an_uncopyable_callback_is_a_clear_error(ett, tmp_path):
    fc = forecaster(tmp_path, [], [_Uncopyable()])
    with pytest.raises(ConfigError, match=r"callback .*_Uncopyable.* cannot be copied .*cannot pickle"):
        fc.fit(ett, target="OT", time_col="date")


class Profiled(Callback):
    """Records each fit's profiler (the trainer's), to read what it measured after the fit."""

    def __init__(self, fits: list):
        self.fits = fits

    def __deepcopy__(self, memo: dict) -> Profiled:  # the copy keeps reporting to the test's list
        return Profiled(self.fits)

    def on_fit_end(self, trainer, pl_module) -> None:
        self.fits.append(trainer.profiler)


def test_each_fit_profiles_itself_only(ett, tmp_path, single_thread):
    # a profiler object given in trainer_options was shared by every fit: the second fit's report (and
    # every backtest refit's) added up the steps of all the fits before it
    fits: list = []
    given = SimpleProfiler(dirpath=tmp_path / "profile", filename="fit")
    fc = Forecaster(
        model="nlinear", lookback=48, horizon=12, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path),
        trainer_options={"limit_train_batches": 3, "profiler": given, "callbacks": [Profiled(fits)]},
    )  # fmt: skip
    fc.fit(ett, target="OT", time_col="date")
    fc.fit(ett, target="OT", time_col="date")
    steps = [
        [len(v) for k, v in profiler.recorded_durations.items() if k.endswith("training_step")]
        for profiler in fits
    ]
    assert steps == [[3], [3]]  # it was [[6], [6]]: one shared profiler, both fits' steps
    assert fits[0] is not fits[1] and given not in fits and not given.recorded_durations
