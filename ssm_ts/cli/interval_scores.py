"""The conformal scores of ``ssm-ts forecast predict --ckpt_path <checkpoint> --level 80``.

A fit keeps its scores in its best checkpoint only (:mod:`ssm_ts.tasks.checkpoint_scores`): a CLI fit's
``last.ckpt``, a ``--trainer.callbacks`` ModelCheckpoint's files and an older ssm-ts's checkpoints hold
none, and the command then calibrated on the validation split of whatever file it read, silently; for a
newer file than the fit's, other windows (or, for an older one, rows the model trained on). Now a
checkpoint without scores takes those of the fit's best checkpoint beside it when that holds the same
weights (a last epoch that was the best: they are that model's scores); otherwise the calibration here
is said once, naming the file, unless it is the fit's own data (then it is the fit's calibration).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

if TYPE_CHECKING:
    from ssm_ts.tasks.forecasting import ForecastingTask


def best_checkpoints_beside(ckpt_path: str | os.PathLike) -> list[Path]:
    """The fit's best checkpoints (``best-*.ckpt``) in ``ckpt_path``'s folder, newest first, itself left out."""
    from ssm_ts.training.checkpoint_lookup import BEST_CHECKPOINT_PREFIX

    path = Path(ckpt_path)
    found = [p for p in path.parent.glob(f"{BEST_CHECKPOINT_PREFIX}*.ckpt") if p.resolve() != path.resolve()]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def same_weights(task: ForecastingTask, state_dict: dict[str, torch.Tensor]) -> bool:
    """Whether ``state_dict`` (a checkpoint's) holds exactly the weights and scaler of ``task``."""
    own = task.state_dict()
    if set(own) != set(state_dict):
        return False
    return all(torch.equal(own[key].detach().cpu(), state_dict[key].cpu()) for key in own)


def take_fit_scores(task: ForecastingTask, ckpt_path: str | os.PathLike) -> Path | None:
    """For a ``task`` restored from ``ckpt_path`` without conformal scores: the scores of a best
    checkpoint beside it that holds the same weights, set on ``task``; returns that checkpoint
    (``None``: none found)."""
    from ssm_ts.export import load_checkpoint
    from ssm_ts.tasks.conformal_storage import CHECKPOINT_KEY, scores_from_checkpoint

    for best in best_checkpoints_beside(ckpt_path):
        checkpoint = load_checkpoint(best)
        entry = checkpoint.get(CHECKPOINT_KEY)
        if entry is not None and same_weights(task, checkpoint.get("state_dict", {})):
            task.conformal = scores_from_checkpoint(entry)
            return best
    return None


def fit_data_sha256(checkpoint: dict[str, Any]) -> str | None:
    """The sha256 of the data file the fit read (its checkpoint's fingerprint), if it kept one."""
    from ssm_ts.tracking.resume_settings import FINGERPRINT_KEY

    entry = (checkpoint.get(FINGERPRINT_KEY) or {}).get("data.path") or {}
    return entry.get("sha256") if isinstance(entry, dict) else None


def warn_calibrated_here(
    ckpt_path: str | os.PathLike, data_path: Any, levels: list[float], fit_sha256: str | None
) -> None:
    """Warn that the ``levels`` intervals of ``ckpt_path`` (no scores, none found beside it) were
    calibrated on the validation split of ``data_path``, unless that is the file the fit read
    (``fit_sha256``: its fingerprint): then this is the fit's own calibration of these weights."""
    from ssm_ts.api.forecast_intervals import level_text
    from ssm_ts.tracking.resume_settings import data_fingerprint

    if isinstance(data_path, (str, os.PathLike)) and fit_sha256 and data_fingerprint(data_path) == fit_sha256:
        return
    bests = best_checkpoints_beside(ckpt_path)
    beside = (
        f"; {bests[0].name} beside it holds them, for other weights"
        if bests
        else "; none was found beside it"
    )
    data = data_path if data_path is not None else "the data"
    warn_on_rank_zero(
        f"--ckpt_path {ckpt_path} holds no conformal scores (a fit keeps them in its best checkpoint{beside}), "
        f"so the {level_text(levels)}% intervals are calibrated here on the validation split of {data}, a file the "
        "model was not fitted on: for a newer file those are other windows than the fit's, for an older or "
        "shorter one rows the model trained on (too narrow). For the intervals of the fit's calibration, "
        "pass --ckpt_path best (or --data.path with the fit's own file to calibrate these weights on it).",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )
