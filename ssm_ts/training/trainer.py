"""The ``lightning.Trainer`` of every ssm-ts fit (:func:`build_trainer`), and a front end's
``trainer_options`` as its arguments (:func:`user_trainer_options`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import (
    Callback,
    EarlyStopping,
    ProgressBar,
    RichProgressBar,
)

from ssm_ts.errors import ConfigError
from ssm_ts.training.callbacks import NonFiniteLossGuard
from ssm_ts.training.checkpoints import LastCheckpointWriter, beside_best, best_checkpoint_callback
from ssm_ts.training.fit_lock_callback import FitLock
from ssm_ts.training.refusals import trainer_refusals
from ssm_ts.training.resume import KeepEarlyStop, KeepGivenPatience
from ssm_ts.training.verbosity import apply_chosen_verbosity, progress_wanted, verbose_chosen


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
        out_dir: folder for checkpoints (``out_dir/checkpoints``); nothing is written elsewhere. A fit
            holds its lock while it trains (:class:`~ssm_ts.training.fit_lock_callback.FitLock`): a
            second fit into ``out_dir`` meanwhile is refused.
        logger: a Lightning logger (MLflow), or ``None`` for no logging.
        callbacks: extra callbacks.
        monitor: validation metric for the best checkpoint (minimised).
        quiet: Lightning's and MLflow's output as the process chose (hidden unless
            :func:`~ssm_ts.training.verbosity.set_verbosity` chose verbose; then the model summary too).
            ``False``: their log levels are left as they are and the model summary is shown.
        max_time: wall-clock budget, ``"DD:HH:MM:SS"``.
        progress: Rich progress bar; default only on an interactive terminal. A progress bar among
            ``callbacks`` (``TQDMProgressBar()``) is the fit's bar instead, shown unless
            ``enable_progress_bar=False`` is given with it.
        trainer_options: any further ``lightning.Trainer`` argument (checked by Lightning); they win
            over ssm-ts's defaults (``enable_progress_bar``, ``enable_model_summary``, ...).
            ``default_root_dir`` is refused: ``out_dir`` chooses it. (A front end's own
            ``trainer_options`` go through :func:`user_trainer_options` first.)
    """
    if quiet:  # the process's choice: quiet unless set_verbosity(True) chose verbose
        apply_chosen_verbosity()
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
    # the run folder's lock first: its setup runs before any other callback writes there; the writer of
    # last.ckpt after the user's callbacks: their checkpoints' state in it is the epoch's
    all_callbacks = [
        FitLock("the fit", separate="another out_dir"),
        best,
        NonFiniteLossGuard(),
        *(beside_best(c, best) for c in callbacks),
        LastCheckpointWriter(),
    ]
    if any(isinstance(c, EarlyStopping) for c in callbacks):  # a resume of a fit they stopped trains nothing
        all_callbacks.insert(-1, KeepEarlyStop())
    if show_progress and not given_bar:
        all_callbacks.append(RichProgressBar())
    settings = {
        "max_epochs": max_epochs,
        "max_time": max_time,
        "default_root_dir": str(out_dir),
        "logger": logger if logger is not None else False,
        "accelerator": accelerator,
        "devices": devices,
        "enable_model_summary": not quiet or verbose_chosen(),
        "enable_progress_bar": bool(show_progress),
    }
    with trainer_refusals({**settings, **options}):
        return pl.Trainer(**{**settings, **options, "callbacks": all_callbacks})


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


# Trainer arguments ssm-ts owns, and what to use instead.
_SET_BY_SSM_TS = {"default_root_dir": "choose the folder with out_dir"}
