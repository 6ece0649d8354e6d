"""Conformal scores written into a forecasting fit's best checkpoint, as an entry beside its weights,
so that ``ssm-ts forecast predict --ckpt_path <it> --level 80`` gives the intervals of the model that
fit saved (``Forecaster.predict(level=...)``, the MLflow pyfunc) instead of calibrating again on
whatever data the command reads. Both fronts write them: a CLI fit
(:meth:`~ssm_ts.tasks.forecast_conformal.ConformalCheckpoint.calibrate_checkpoint`) and
``Forecaster.fit`` (:mod:`ssm_ts.api.forecast_fit_end`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import torch

from ssm_ts.atomic import atomic_path
from ssm_ts.tasks.conformal_scores import ConformalScores
from ssm_ts.tasks.conformal_storage import CHECKPOINT_KEY, scores_to_checkpoint


def store_scores_in_checkpoint(
    ckpt_path: str | os.PathLike,
    scores: ConformalScores,
    targets: Sequence[str],
    checkpoint: dict[str, Any] | None = None,
) -> None:
    """Rewrite the checkpoint at ``ckpt_path`` with ``scores`` (of the series ``targets``, in order) in
    its conformal entry (``checkpoint``: its content, already loaded; ``None``: read here). The file is
    replaced whole (written beside it, then renamed), so a reader sees it with or without the scores,
    never half-written."""
    from ssm_ts.export import load_checkpoint

    if checkpoint is None:
        checkpoint = load_checkpoint(ckpt_path)
    checkpoint[CHECKPOINT_KEY] = scores_to_checkpoint(scores, targets)
    with atomic_path(ckpt_path, sync_folder=True) as tmp:
        torch.save(checkpoint, tmp)
