"""One place that builds Lightning trainers the way every ssm-ts fit wants them.

Quiet by default (no tips, no model summary, no stray ``lightning_logs``), checkpoints that
survive a crash (``last.ckpt`` every epoch plus the best on the validation metric), a guard
that stops on a NaN/inf loss with a clear message while keeping the last good checkpoint, and
an optional exponential moving average of the weights (:class:`EMAWeights`).
"""

from __future__ import annotations

import logging
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
    EMAWeightAveraging,
    ModelCheckpoint,
    ProgressBar,
    RichProgressBar,
)
from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.checkpoint_times import newest_checkpoint, record_saved_at
from ssm_ts.errors import ConfigError, SSMTSError, TrainingError

# Loggers whose chatter the default hides and verbose output shows, with the level kept when quiet:
# Lightning's banners and tips, MLflow's store set-up lines and signature hints, "Experiment ... not
# found. Creating it."
QUIET_LEVELS = {
    "lightning": logging.WARNING,
    "lightning.pytorch": logging.WARNING,
    "lightning.fabric": logging.WARNING,
    "lightning.pytorch.loggers.mlflow": logging.ERROR,
    "mlflow": logging.ERROR,
}


def set_verbosity(verbose: bool) -> None:
    """Quiet (the default of every fit, API or CLI) or verbose Lightning and MLflow output.

    Quiet hides Lightning's tips, MLflow's store set-up lines and its artifact download bars;
    ``verbose`` shows them all again, in the same process too.
    """
    import mlflow  # noqa: F401  (importing MLflow configures its logger; set levels after that)

    if verbose:
        for name in QUIET_LEVELS:
            logging.getLogger(name).setLevel(logging.INFO)
        return
    quiet_lightning()
    for name, level in QUIET_LEVELS.items():
        logging.getLogger(name).setLevel(level)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def quiet_lightning() -> None:
    """Silence Lightning's informational chatter (device banners, tips, data-loader hints)."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*The number of training batches.*")
    warnings.filterwarnings("ignore", message=".*Checkpoint directory .* exists and is not empty.*")
    warnings.filterwarnings("ignore", message=".*LeafSpec.*is deprecated.*")
    warnings.filterwarnings("ignore", message=".*The dirpath has changed from.*")


class NonFiniteLossGuard(Callback):
    """Stop training when the training loss becomes NaN or inf.

    Raises :class:`TrainingError` at once, before the bad weights reach a checkpoint, so
    ``last.ckpt`` still holds the last good state; the message names it (ssm-ts's own, which a resume
    continues, not a user's ModelCheckpoint's), or says that this fit wrote none yet.
    """

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch, batch_idx
    ):
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if isinstance(loss, torch.Tensor) and not math.isfinite(loss.detach().float().item()):
            raise TrainingError(
                f"training loss became {loss.item()} at epoch {trainer.current_epoch}, batch {batch_idx}; stopped. "
                f"{self._last_good(trainer)} Lower the learning rate, check the data for "
                "extreme values, or enable gradient clipping (trainer gradient_clip_val)."
            )

    @staticmethod
    def _last_good(trainer: pl.Trainer) -> str:
        own = ssm_ts_best_checkpoint(trainer)
        if (
            own is None
        ):  # a trainer built without ssm-ts's checkpoints: the first checkpoint callback's folder
            folder = next(
                (d for cb in trainer.checkpoint_callbacks if (d := getattr(cb, "dirpath", None))), None
            )
            return f"The last good checkpoint is in {folder}."
        # LightningCLI puts a user's callbacks first: trainer.checkpoint_callback may be one of theirs
        last = Path(own.dirpath or ".", f"{own.CHECKPOINT_NAME_LAST}{own.FILE_EXTENSION}")
        if own._wrote_last and last.is_file():  # this fit's (written, or the one it resumed)
            return f"The last good checkpoint is {last}."
        return "No checkpoint was written before it."


def check_ema_decay(decay: Any, name: str = "decay") -> float:
    """``decay`` as a float strictly between 0 and 1, else a :class:`ConfigError` naming ``name``."""
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 < float(decay) < 1.0:
        raise ConfigError(
            f"{name} must be a number strictly between 0 and 1, got {decay!r}; use e.g. 0.99 (an average "
            f"over roughly the last 100 optimizer steps), or leave it unset for no weight averaging."
        )
    return float(decay)


# The largest learning rate torch can train with in float32: AdamW, every ssm-ts task's optimizer, takes
# a first step of lr / (1 - beta1) = 10 x lr, and a step beyond float32's largest number is refused deep in
# the optimizer ("value cannot be converted to type float without overflow").
MAX_LEARNING_RATE = float(torch.finfo(torch.float32).max) * (1 - 0.9)


def check_learning_rate(
    lr: Any,
    name: str = "lr",
    *,
    cli_option: str | None = None,
    default_from: Callable[..., Any] | None = None,
) -> None:
    """A :class:`ConfigError` naming ``name`` unless ``lr`` is a number above 0 and at most
    :data:`MAX_LEARNING_RATE` (a NaN, a negative or an overflowing rate fails only once training starts).

    Args:
        lr: the learning rate given.
        name: the setting's name, as the caller's signature spells it (``"lr"``).
        cli_option: the command line's option for it (``"--model.lr"``), named beside ``name``.
        default_from: the caller (a class or function) whose ``name`` parameter's default the message
            quotes (``type(self)``), so it is the default that caller really has.
    """
    import numbers

    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0.0 < float(lr) <= MAX_LEARNING_RATE:
        setting = f"{name} (CLI: {cli_option})" if cli_option else name
        default = _parameter_default(default_from, name) if default_from is not None else None
        raise ConfigError(
            f"{setting} must be a number above 0 and at most {MAX_LEARNING_RATE:.3g} (AdamW's first step, "
            f"10 x {name}, must fit in float32), got {lr!r}; learning rates are usually between 1e-4 and "
            f"1e-1{f' (default {default:g})' if default is not None else ''}."
        )


def _parameter_default(func: Callable[..., Any], name: str) -> float | None:
    """The default of ``func``'s parameter ``name`` when it is a number, else ``None``."""
    import inspect
    import numbers

    try:
        parameter = inspect.signature(func).parameters.get(name)
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return None
    default = parameter.default if parameter is not None else None
    return float(default) if isinstance(default, numbers.Real) and not isinstance(default, bool) else None


class EMAWeights(EMAWeightAveraging):
    """An exponential moving average of the weights, updated after every optimizer step:
    ``average = decay * average + (1 - decay) * weights`` (the first step copies the weights).

    Lightning's :class:`~lightning.pytorch.callbacks.EMAWeightAveraging`: validation (so the
    validation metrics, early stopping and the best checkpoint), every checkpoint's ``state_dict``
    and the model at the end of the fit are the averaged weights; checkpoints also carry the raw
    weights and the average's state, so a resumed fit continues both exactly.

    One change: Lightning copies the module in the callback's ``setup``, which runs before the
    LightningModule's own ``setup``. Tasks that build their network there, from the data (every
    CLI fit: ``ForecastingTask`` without ``n_channels``), would be averaged without their network,
    and the tensor-by-tensor swap before validation would pair the wrong tensors. Here the copy is
    made after every ``setup``: when a resumed fit restores the callback's state (which Lightning
    does before ``on_fit_start``), else at ``on_fit_start``.

    Two more: the update is ``torch.lerp`` (as ``benchmarks/forecast_ett.py --ema``), so frozen
    weights (``linear_init="ridge"``) and constant buffers (the scaler) stay exactly as they are
    (Lightning's ``decay * a + (1 - decay) * w`` drifts them by rounding); flags and counters
    (bool, integer buffers) take the current value instead of a truncated average.

    Args:
        decay: weight of the old average per step, strictly between 0 and 1 (e.g. 0.99). The other
            settings are Lightning's defaults: update after every step from the first, average the
            buffers too, keep the average on the model's device.
    """

    def __init__(self, decay: float = 0.99):
        self.decay = check_ema_decay(decay)
        super().__init__(decay=self.decay)
        self._kwargs["avg_fn"] = self._update

    def _update(self, average: torch.Tensor, current: torch.Tensor, n_averaged: torch.Tensor) -> torch.Tensor:
        if not (average.is_floating_point() or average.is_complex()):
            return current
        return torch.lerp(average, current, 1.0 - self.decay)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self._average_model = None  # a new fit starts a new average, made once the module is built

    def _make_average(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._average_model is None:
            super().setup(trainer, pl_module, "fit")

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        if trainer.state.fn != TrainerFn.FITTING:
            return  # validate/test/predict: the checkpoint's state_dict already holds the averaged weights
        self._make_average(trainer, pl_module)
        super().on_load_checkpoint(trainer, pl_module, checkpoint)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._make_average(trainer, pl_module)


def keep_given_patience(callbacks: list[Callback]) -> None:
    """Make each ``EarlyStopping`` of ``callbacks`` (a LightningCLI trainer's list, from a config's or the
    command line's ``trainer.callbacks``: Lightning's class or a user's subclass) keep the ``patience``
    it was given when a fit resumes, as the Python API's front ends do: Lightning restores the
    checkpoint's patience with its count of epochs without improvement, so ``fit --ckpt_path last``
    given more patience silently stopped with the old one. Adds a :class:`KeepGivenPatience` to
    ``callbacks`` (in place, before the checkpoint callbacks, where Lightning keeps the others); the
    stoppers stay the class given, with their own stopping rule."""
    stoppers = [c for c in callbacks if isinstance(c, EarlyStopping)]
    if stoppers:
        at = next((i for i, c in enumerate(callbacks) if isinstance(c, Checkpoint)), len(callbacks))
        callbacks.insert(at, KeepGivenPatience(stoppers))


BEST_CHECKPOINT_PREFIX = "best-"  # ``best-epoch=N.ckpt``: the lowest validation loss of a fit


def find_newest_checkpoint(out_dir: str | os.PathLike, pattern: str = "last.ckpt") -> Path | None:
    """The most recently written checkpoint named like ``pattern`` under ``out_dir`` (any run, any folder, a
    user's ModelCheckpoint's too): by default ``last.ckpt``; ``best-*.ckpt`` finds the newest best checkpoint.
    ``None`` when there is none. What a fit resumes is :func:`find_own_checkpoint`'s."""
    candidates = list(Path(out_dir).rglob(pattern)) if Path(out_dir).is_dir() else []
    return newest_checkpoint(candidates)  # by the save time each records, not the file's (a copy's) mtime


# Where a fit into an output folder keeps ssm-ts's own checkpoints (best_checkpoint_callback): the CLI's
# without a logger, ``<out>/checkpoints`` (Lightning's default_root_dir/checkpoints); a fit logged to MLflow,
# ``<out>/<experiment id>/<run id>/checkpoints``; a Python front end's without MLflow, ``<out>/fits/<name>/checkpoints``.
OWN_CHECKPOINT_FOLDERS = ("checkpoints", "*/*/checkpoints")


def find_own_checkpoint(out_dir: str | os.PathLike, pattern: str = "last.ckpt") -> Path | None:
    """The most recently written checkpoint named like ``pattern`` in ssm-ts's own checkpoint folders under
    ``out_dir`` (:data:`OWN_CHECKPOINT_FOLDERS`, any run); ``None`` when there is none. A user's
    ``ModelCheckpoint`` files elsewhere under ``out_dir`` (``user_checkpoints/``, a ``dirpath`` of its own)
    are never taken, however recent: a ``last.ckpt`` of one saving by steps is of another step. The one rule
    of ``--ckpt_path best/last``, ``fit(..., resume=True)`` and a tuning trial's rerun."""
    folder = Path(out_dir)
    candidates = [
        p for where in OWN_CHECKPOINT_FOLDERS for p in folder.glob(f"{where}/{pattern}") if p.is_file()
    ]
    return newest_checkpoint(candidates)


NAMED_CHECKPOINTS = ("best", "last")  # --ckpt_path values that name a fit's newest checkpoint under --out


def resolve_named_checkpoint(name: str, out_dir: str | os.PathLike) -> Path:
    """``--ckpt_path best`` / ``last`` of validate, test, predict and ``audio generate``: the newest
    ``best-*.ckpt`` / ``last.ckpt`` of ssm-ts's own under ``out_dir`` (the fit's ``--out``; any run, not
    a user's ModelCheckpoint's: :func:`find_own_checkpoint`). A :class:`~ssm_ts.errors.CheckpointError`
    names the folder and what to pass when there is none."""
    from ssm_ts.errors import CheckpointError

    pattern = f"{BEST_CHECKPOINT_PREFIX}*.ckpt" if name == "best" else "last.ckpt"
    found = find_own_checkpoint(out_dir, pattern)
    if found is None:
        raise CheckpointError(
            f"--ckpt_path {name}: no {pattern} under --out {out_dir}; pass the --out of the fit, "
            "or the checkpoint's path"
        )
    return found


USER_CHECKPOINTS = "user_checkpoints"  # a fit folder's default dirpath of a user's ModelCheckpoint


def user_checkpoint_folders(callbacks: Sequence[Any], fit_dir: Path) -> None:
    """Give each ``ModelCheckpoint`` of ``callbacks`` (a fit's own copies) without a ``dirpath`` the
    folder ``fit_dir/user_checkpoints`` (the second ``user_checkpoints-2``, ...).

    Lightning's default is ``<default_root_dir>/checkpoints``, ssm-ts's own folder in a fit without
    MLflow: a user's ``save_last=True`` then wrote ``last.ckpt`` first each epoch, ssm-ts's became
    ``last-v1.ckpt``, and the user's files mixed with ``best-epoch=N.ckpt``. With MLflow it wrote
    beside the tracking files of a ``file:`` URI, outside ``out_dir``."""
    n = 0
    for callback in callbacks:
        if isinstance(callback, ModelCheckpoint) and callback.dirpath is None:
            n += 1
            folder = fit_dir / (USER_CHECKPOINTS if n == 1 else f"{USER_CHECKPOINTS}-{n}")
            callback.dirpath = os.path.realpath(folder)  # as ModelCheckpoint(dirpath=...) keeps it


def lightning_checkpoint_folder(callback: ModelCheckpoint, trainer: pl.Trainer) -> Path:
    """The folder ``callback`` writes to, as Lightning's ``ModelCheckpoint.setup`` resolves it: its
    ``dirpath``; else the first logger's ``<save_dir or default_root_dir>/<name>/<version>/checkpoints``
    (an MLflow logger's experiment and run ids; this starts its run, as that setup does); else
    ``<default_root_dir>/checkpoints``."""
    if callback.dirpath is not None:
        return Path(callback.dirpath)
    if not trainer.loggers:
        return Path(trainer.default_root_dir) / "checkpoints"
    logger = trainer.loggers[0]
    version = logger.version if isinstance(logger.version, str) else f"version_{logger.version}"
    return Path(logger.save_dir or trainer.default_root_dir) / str(logger.name) / version / "checkpoints"


class UserCheckpointFolders(Callback):
    """A LightningCLI fit's :func:`user_checkpoint_folders`: each ``ModelCheckpoint`` of
    ``--trainer.callbacks`` without a ``dirpath`` writes to ``user_checkpoints/`` (``-2``, ...) beside
    ssm-ts's own ``checkpoints/`` (in ``--out`` with ``--trainer.logger false``, else in the run's folder
    ``<out>/<experiment id>/<run id>``), as in a Python front end's fit. Lightning gave it ssm-ts's folder:
    with ``save_last=true`` the user's file took the name ``last.ckpt`` and ssm-ts's became
    ``last-v1.ckpt``.

    The run's folder is known only once the logger has started its run, so this is done in ``setup``,
    which Lightning calls on every other callback before the checkpoint callbacks' (they resolve their
    folders there). A resumed fit gets the same folder (the same run, or the same ``--out``), where
    Lightning restores the user's callback's best score and files. Holds no state."""

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        own = ssm_ts_best_checkpoint(trainer)
        if stage != "fit" or own is None:
            return
        fit_dir = lightning_checkpoint_folder(own, trainer).parent
        fit_dir = Path(trainer.strategy.broadcast(str(fit_dir)))  # rank 0's: the run's ids are known there
        user_checkpoint_folders([c for c in trainer.checkpoint_callbacks if c is not own], fit_dir)


class BestAndLastCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` keeping the best checkpoint (``best-epoch=N.ckpt``) and ``last.ckpt``, whose
    ``last.ckpt`` is written by :class:`LastCheckpointWriter` after every other checkpoint callback.

    Two changes to Lightning's. ``last.ckpt`` is written at every epoch's checkpoint (each validation,
    and each epoch's end not validated: without validation, or between two with
    ``check_val_every_n_epoch``) and after the fit's other checkpoint callbacks have taken the epoch
    in: Lightning 2.6 writes it only when the top-k checkpoint is saved at the same step, so after an
    epoch without a better ``monitor`` it still held the best epoch (a resume repeated the epochs
    since, a crash lost them), and it writes it inside this callback's own turn, so a user's
    ``ModelCheckpoint`` after it was saved in ``last.ckpt`` one epoch behind (its best score and path
    before that epoch). And a fit that takes no optimizer step is saved too: a closed-form model
    (``random_features``) is fitted in ``on_fit_start``, and Lightning skips saving while the global
    step equals the last saved one, which starts at 0, so such a fit had no ``best-*.ckpt``.

    A fit stopped in the middle of an epoch (``max_time``: Lightning's ``Timer`` stops after a training
    batch, then validates once more) keeps the ``last.ckpt`` of its last finished epoch: one written
    there held half an epoch, and a resume took that epoch as finished, never training the rest of its
    batches. The resume trains the stopped epoch again from its start, as after Ctrl-C; a resumed fit
    stopped so before its first epoch's end keeps the ``last.ckpt`` it resumed. (A new fit stopped
    before it finished any epoch writes its ``last.ckpt`` there all the same: it has no other.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_due = False  # a checkpoint point was reached: LastCheckpointWriter writes last.ckpt
        self._writer = False  # whether the fit has a LastCheckpointWriter (else last.ckpt is written here)
        self._wrote_last = False  # whether this fit has a last.ckpt of a finished epoch (written, or resumed)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_fit_start(trainer, pl_module)
        self._last_due = False
        # a fit resumed from this folder's last.ckpt has one to keep (a resume continues in its folder)
        own_last = Path(self.dirpath or ".", f"{self.CHECKPOINT_NAME_LAST}{self.FILE_EXTENSION}")
        self._wrote_last = bool(self.dirpath and trainer.ckpt_path) and Path(trainer.ckpt_path).resolve() == (
            own_last.resolve()
        )
        self._writer = any(isinstance(c, LastCheckpointWriter) for c in trainer.callbacks)
        if trainer.global_step == 0:
            self._last_global_step_saved = -1  # Lightning's own counter; -1: nothing saved yet

    def _checkpoint_point(self, trainer: pl.Trainer, epoch_end: bool) -> bool:
        """Whether Lightning's hook (``on_train_epoch_end`` when ``epoch_end``, else ``on_validation_end``)
        saves this callback's checkpoints now, as Lightning decides it before saving."""
        return not self._should_skip_saving_checkpoint(trainer) and (
            self._should_save_on_train_epoch_end(trainer) == epoch_end
        )

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # every epoch's end, also one without validation (check_val_every_n_epoch > 1), unless its
        # validation (which runs before this hook) saved the checkpoints at this step already
        due = not self._should_skip_saving_checkpoint(trainer)
        super().on_train_epoch_end(trainer, pl_module)
        self._mark_due(trainer, due)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        due = self._checkpoint_point(trainer, epoch_end=False)
        super().on_validation_end(trainer, pl_module)
        self._mark_due(trainer, due)

    def _save_last_checkpoint(self, trainer: pl.Trainer, monitor_candidates: dict[str, torch.Tensor]) -> None:
        # Lightning calls this in this callback's turn, before the checkpoint callbacks after it
        self._mark_due(trainer, True)

    def _mark_due(self, trainer: pl.Trainer, due: bool) -> None:
        if self._wrote_last and stopped_mid_epoch(trainer):  # the finished epoch's last.ckpt stays
            due = False
        self._last_due = self._last_due or (due and bool(self.save_last))
        if not self._writer:  # a trainer built without one: written now, as Lightning did before 2.6
            self.save_due_last(trainer)

    def save_due_last(self, trainer: pl.Trainer) -> None:
        """Write ``last.ckpt`` when a checkpoint point was reached since it was last written."""
        if self._last_due:
            self._last_due = False
            super()._save_last_checkpoint(trainer, self._monitor_candidates(trainer))
            self._wrote_last = True

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        # every checkpoint of the fit (a user's callback's too) records when it was saved: the newest is
        # found by it (find_newest_checkpoint), as a copy of the folder may rewrite the files' times
        record_saved_at(checkpoint)

    @property
    def state_key(self) -> str:
        """``ModelCheckpoint``'s key, so checkpoints written with either class resume with the other."""
        return super().state_key.replace(type(self).__qualname__, ModelCheckpoint.__qualname__, 1)


def cosine_follows_max_epochs(trainer: pl.Trainer) -> None:
    """Make a resumed fit's ``CosineAnnealingLR`` (``T_max`` = ``max_epochs``, stepped each epoch) follow
    this fit's ``max_epochs``; call it from the task's ``on_train_start``. The checkpoint's scheduler,
    restored over the one ``configure_optimizers`` built, holds the first fit's ``T_max``: a fit resumed
    with more epochs (a setting that may change on resume) trained its first added epoch at a learning
    rate of 0 and the next ones at a rising one (cosine past its end). The rate of the epoch it resumes
    at becomes the one a fit of ``max_epochs`` has there; with the same ``max_epochs`` nothing changes."""
    epochs = trainer.max_epochs
    if not epochs or epochs < 1:
        return
    for config in trainer.lr_scheduler_configs:
        schedule = config.scheduler
        if not isinstance(schedule, torch.optim.lr_scheduler.CosineAnnealingLR) or schedule.T_max == epochs:
            continue
        schedule.T_max = epochs
        progress = (1 + math.cos(math.pi * schedule.last_epoch / epochs)) / 2  # the closed form
        rates = [schedule.eta_min + (base - schedule.eta_min) * progress for base in schedule.base_lrs]
        for group, rate in zip(schedule.optimizer.param_groups, rates, strict=True):
            group["lr"] = rate
        schedule._last_lr = rates  # what get_last_lr() reports (LearningRateMonitor)


def stopped_mid_epoch(trainer: pl.Trainer) -> bool:
    """Whether the fit stops before its epoch's last training batch (``max_time``, a callback's
    ``should_stop`` after a batch), not at an epoch's end (early stopping, a pruner, ``max_epochs``)."""
    return bool(trainer.should_stop) and not trainer.fit_loop.epoch_loop.batch_progress.is_last_batch


class LastCheckpointWriter(Checkpoint):
    """Writes the fit's :class:`BestAndLastCheckpoint`'s due ``last.ckpt``, in the same hook, once every
    checkpoint callback before it has run: Lightning runs the checkpoint callbacks (``Checkpoint``
    subclasses) after all others, in the order given, so placed after the user's callbacks this one
    runs last. Holds no state."""

    def _write(self, trainer: pl.Trainer) -> None:
        for callback in trainer.checkpoint_callbacks:
            if isinstance(callback, BestAndLastCheckpoint):
                callback.save_due_last(trainer)

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
        self._write(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)


def best_checkpoint_callback(
    monitor: str = "val_loss", out_dir: str | os.PathLike | None = None
) -> ModelCheckpoint:
    """Keep the checkpoint with the lowest ``monitor`` (``best-epoch=N.ckpt``) and the last one (``last.ckpt``,
    written by a :class:`LastCheckpointWriter` that the fit's callbacks must hold after the user's).

    Without validation the monitored value never appears and only ``last.ckpt`` is written."""
    return BestAndLastCheckpoint(
        dirpath=None if out_dir is None else Path(out_dir) / "checkpoints",
        filename=BEST_CHECKPOINT_PREFIX + "{epoch}",
        monitor=monitor,
        mode="min",
        save_top_k=1,
        save_last=True,
    )


def ssm_ts_best_checkpoint(trainer: pl.Trainer) -> BestAndLastCheckpoint | None:
    """The fit's own best checkpoint callback: ``trainer.checkpoint_callback`` is the first checkpoint
    callback, which in a LightningCLI fit is a user's ``ModelCheckpoint`` (its callbacks come first)."""
    return next((c for c in trainer.checkpoint_callbacks if isinstance(c, BestAndLastCheckpoint)), None)


@cache
def _own_state_key_class(cls: type[ModelCheckpoint]) -> type[ModelCheckpoint]:
    """``cls`` with a ``state_key`` of its own: Lightning keys a ``ModelCheckpoint``'s state in a checkpoint
    by its monitor, mode and saving frequency only (not its folder), and refuses two with one key.

    The class is named as ``cls`` but is local to this function (its ``__qualname__``): jsonargparse finds
    a callback class given by name (LightningCLI's ``--trainer.callbacks+=ModelCheckpoint``) among every
    subclass of ``Callback`` alive, and refused the name as ambiguous once a fit had made this one."""

    def state_key(self) -> str:
        # Lightning's key starts with the class's __qualname__: the one of ``cls``, as checkpoints hold it
        key = cls.state_key.fget(self).replace(type(self).__qualname__, cls.__qualname__, 1)  # type: ignore[attr-defined]
        return f"{key}[trainer_options]"

    namespace = {
        "state_key": property(state_key),
        "__module__": cls.__module__,
        "__qualname__": f"{_own_state_key_class.__name__}.<locals>.{cls.__qualname__}",
    }
    return type(cls.__name__, (cls,), namespace)


def _beside(callback: Callback, best: ModelCheckpoint) -> Callback:
    """``callback``, given a state key of its own when it is a ``ModelCheckpoint`` keyed as ssm-ts's ``best``
    (the same monitor and mode): both then keep and resume their own state (files, best score). ssm-ts's
    keeps Lightning's key, so a checkpoint written without the user's one resumes either way."""
    if isinstance(callback, ModelCheckpoint) and callback.state_key == best.state_key:
        callback.__class__ = _own_state_key_class(type(callback))  # a fit's own copy: adds no state
    return callback


def keep_beside_best(callbacks: Any, defaults: Sequence[Callback]) -> None:
    """A LightningCLI fit's ``callbacks`` (its ``trainer.callbacks``: one, a list or ``None``), each
    ``ModelCheckpoint`` keyed as the :class:`BestAndLastCheckpoint` of ``defaults`` (its
    ``trainer_defaults`` callbacks) given a state key of its own (:func:`_beside`), as the Python API's:
    ``--trainer.callbacks+=ModelCheckpoint --trainer.callbacks.monitor=val_loss`` was refused by
    Lightning ("more than one stateful callback of type BestAndLastCheckpoint")."""
    best = next((c for c in defaults if isinstance(c, BestAndLastCheckpoint)), None)
    given = [callbacks] if isinstance(callbacks, Callback) else list(callbacks or [])
    for callback in given if best is not None else []:
        _beside(callback, best)


def progress_wanted() -> bool:
    """Progress bars only on an interactive terminal (not in CI logs or pytest)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def build_trainer(
    *,
    max_epochs: int,
    out_dir: str | os.PathLike,
    logger: Any = None,
    callbacks: Sequence[Callback] = (),
    monitor: str = "val_loss",
    accelerator: str = "auto",
    devices: int | str = 1,
    quiet: bool = True,
    max_time: str | None = None,
    progress: bool | None = None,
    **trainer_options: Any,
) -> pl.Trainer:
    """A ``lightning.Trainer`` with ssm-ts defaults.

    Args:
        max_epochs: epoch limit.
        out_dir: folder for checkpoints (``out_dir/checkpoints``); nothing is written elsewhere.
        logger: a Lightning logger (MLflow), or ``None`` for no logging.
        callbacks: extra callbacks.
        monitor: validation metric for the best checkpoint (minimised).
        quiet: hide Lightning's informational output.
        max_time: wall-clock budget, ``"DD:HH:MM:SS"``.
        progress: Rich progress bar; default only on an interactive terminal. A progress bar among
            ``callbacks`` (``TQDMProgressBar()``) is the fit's bar instead, shown unless
            ``enable_progress_bar=False`` is given with it.
        trainer_options: any further ``lightning.Trainer`` argument (checked by Lightning); they win
            over ssm-ts's defaults (``enable_progress_bar``, ``enable_model_summary``, ...).
            ``default_root_dir`` is refused: ``out_dir`` chooses it. (A front end's own
            ``trainer_options`` go through :func:`user_trainer_options` first.)
    """
    if quiet:
        set_verbosity(False)
    options = dict(trainer_options)
    for key, instead in _SET_BY_SSM_TS.items():
        if key in options:
            raise ConfigError(f"trainer option {key!r} is set by ssm-ts; {instead}.")
    # the caller's own trainer options win over ssm-ts's defaults
    # a bar among the callbacks is the one wanted: Lightning takes one bar, and refuses it when disabled
    given_bar = any(isinstance(c, ProgressBar) for c in callbacks)
    wanted = True if given_bar else progress_wanted() if progress is None else progress
    show_progress = options.pop("enable_progress_bar", wanted)
    best = best_checkpoint_callback(monitor, out_dir)
    # the writer of last.ckpt after the user's callbacks: their checkpoints' state in it is the epoch's
    all_callbacks = [
        best,
        NonFiniteLossGuard(),
        *(_beside(c, best) for c in callbacks),
        LastCheckpointWriter(),
    ]
    if show_progress and not given_bar:
        all_callbacks.append(RichProgressBar())
    settings = {
        "max_epochs": max_epochs,
        "max_time": max_time,
        "default_root_dir": str(out_dir),
        "logger": logger if logger is not None else False,
        "accelerator": accelerator,
        "devices": devices,
        "enable_model_summary": not quiet,
        "enable_progress_bar": bool(show_progress),
    }
    with trainer_refusals({**settings, **options}):
        return pl.Trainer(**{**settings, **options, "callbacks": all_callbacks})


# The Trainer settings that choose where and how a fit computes: the values that leave the choice to
# Lightning (or are its defaults), words by which its refusal names the setting, and the values that work
# on any machine. Lightning's messages about devices, strategy or precision also name the accelerator
# ("devices=0 is not valid using cpu accelerator"), so the accelerator is looked for last.
DEVICE_SETTINGS: dict[str, tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...]]] = {
    "devices": ((None, "auto", 1, "1"), ("devices",), (1, "auto")),
    "num_nodes": ((None, 1), ("num_nodes",), (1,)),
    "strategy": ((None, "auto"), ("strategy", "deepspeed", "fsdp", "ddp"), ("auto",)),
    "precision": (
        (None, "32-true", 32, "32"),
        ("precision", "transformer_engine", "bitsandbytes"),
        ("32-true",),
    ),
    "accelerator": ((None, "auto"), ("accelerator", "gpu", "cuda", "mps", "tpu", "xla"), ("cpu", "auto")),
}


def python_spelling(key: str, value: Any) -> str:
    """A Trainer setting as the Python API takes it: ``accelerator='gpu'``."""
    return f"{key}={value!r}"


def trainer_refusal(
    error: Exception, given: dict[str, Any], spell: Callable[[str, Any], str] = python_spelling
) -> ConfigError:
    """Lightning's refusal to build a ``Trainer`` (``error``: "No supported gpu backend found!" for
    ``accelerator="gpu"`` on a machine without one, an unknown strategy or precision, ...) as one
    :class:`ConfigError` naming the setting of ``given`` (the Trainer's arguments) it is about, with the
    values that work on any machine (``accelerator='cpu'``), spelled by ``spell(key, value)`` as the
    front end takes them (the CLI: ``--trainer.accelerator gpu``)."""
    reason = f"{type(error).__name__}: {error}".strip()
    text = str(error).lower()
    chosen = {
        key: given[key]
        for key, (free, _, _) in DEVICE_SETTINGS.items()
        if key in given and not isinstance(given[key], (list, dict)) and given[key] not in free
    }  # only the ones given a value of their own: "auto" is not what Lightning refused
    # the first one its message names; none: another option (gradient_clip_algorithm, an unknown one)
    key = next(
        (k for k, (_, words, _) in DEVICE_SETTINGS.items() if k in chosen and any(w in text for w in words)),
        None,
    )
    if key is None:
        return ConfigError(
            f"lightning.Trainer refused its settings ({reason}). Fix or remove the setting it names."
        )
    fixes = " or ".join(spell(key, value) for value in DEVICE_SETTINGS[key][2])
    note = " (auto: a GPU when there is one, else the CPU)" if key == "accelerator" else ""
    return ConfigError(f"lightning.Trainer refused {spell(key, chosen[key])} ({reason}). Use {fixes}{note}.")


@contextmanager
def trainer_refusals(
    given: dict[str, Any], spell: Callable[[str, Any], str] = python_spelling
) -> Iterator[None]:
    """Around building a ``lightning.Trainer`` from the arguments ``given``: an error it raises (Lightning
    raises ValueError, TypeError, ModuleNotFoundError and its own MisconfigurationException) becomes
    :func:`trainer_refusal`'s ConfigError; ssm-ts's own errors pass as they are."""
    try:
        yield
    except SSMTSError:
        raise
    except Exception as error:  # noqa: BLE001 (see above: Lightning checks its arguments with many types)
        raise trainer_refusal(error, given, spell) from error


def user_trainer_options(
    options: dict[str, Any] | None, callbacks: Sequence[Callback] = ()
) -> dict[str, Any]:
    """A front end's ``trainer_options`` as :func:`build_trainer` keyword arguments: the user's
    ``callbacks`` join the front end's own, and an ``EarlyStopping`` of theirs replaces the front end's
    (Lightning refuses two on one metric); ``logger`` is refused (the MLflow settings choose it)."""
    options = dict(options or {})
    if "logger" in options:
        raise ConfigError(
            "trainer option 'logger' is set by ssm-ts; choose MLflow logging with log_to_mlflow, "
            "tracking_uri and experiment."
        )
    extra = options.pop("callbacks", None) or []
    extra = [extra] if isinstance(extra, Callback) else list(extra)
    if any(isinstance(c, EarlyStopping) for c in extra):  # the user's stopping rule (its patience) wins
        callbacks = [c for c in callbacks if not isinstance(c, EarlyStopping)]
    stoppers = [c for c in extra if isinstance(c, EarlyStopping)]
    if stoppers:  # a resume keeps their given patience, as ssm-ts's own stopper's
        callbacks = [*callbacks, KeepGivenPatience(stoppers)]
    options["callbacks"] = [*callbacks, *extra]
    return options


class KeepGivenPatience(Callback):
    """Makes a resumed fit's ``EarlyStopping`` callbacks (a user's, Lightning's class or a subclass, in a
    front end's ``trainer_options`` or the CLI's ``trainer.callbacks``) keep the ``patience`` they were
    given, as :class:`~ssm_ts.api.resumable.ResumableEarlyStopping` does: Lightning's
    ``EarlyStopping.load_state_dict`` restores the checkpoint's patience with its count of epochs without
    improvement and best score, so a resume given more patience stopped with the old one. Before the
    callbacks' states are restored, the loaded checkpoint's (in memory, not the file) patience of each
    stopper becomes the given one; the count and the best score are restored as saved. The stoppers stay
    the class the user gave, so what a fit reports (``callbacks_``) and its other callbacks see is what
    the user passed, and a subclass keeps its own stopping rule. Holds no state."""

    def __init__(self, stoppers: Sequence[EarlyStopping]) -> None:
        self.stoppers = list(stoppers)

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        # Lightning calls every callback's on_load_checkpoint before any callback's load_state_dict
        states = checkpoint.get("callbacks") or {}
        for stopper in self.stoppers:
            for key in (stopper.state_key, stopper._legacy_state_key):
                if isinstance(states.get(key), dict) and "patience" in states[key]:
                    states[key] = {**states[key], "patience": stopper.patience}


# Trainer arguments ssm-ts owns, and what to use instead.
_SET_BY_SSM_TS = {"default_root_dir": "choose the folder with out_dir"}
