"""The conformal calibration a CLI fit keeps in its best checkpoint, so ``predict --level`` needs no
other pass over the data (:class:`ConformalCheckpoint`, mixed into the forecasting task)."""

from __future__ import annotations

from typing import Any

import torch

from ssm_ts.pipelines.forecasting import ForecastDataModule, SeriesSpec
from ssm_ts.tasks.checkpoint_scores import store_scores_in_checkpoint
from ssm_ts.tasks.conformal_storage import CHECKPOINT_KEY, scores_from_checkpoint


class ConformalCheckpoint:
    """Conformal scores of :class:`~ssm_ts.tasks.forecasting.ForecastingTask` (mixed into it) kept in, and
    read from, its checkpoints."""

    def on_fit_start(self) -> None:
        self.conformal = None  # a resumed checkpoint's scores belong to its weights, not this fit's

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Keep the conformal scores a CLI fit stored in its best checkpoint (``predict --level``); a
        resumed fit also sets the global generators to the checkpoint's (:class:`ResumedGlobalGenerators`)."""
        super().on_load_checkpoint(checkpoint)
        entry = checkpoint.get(CHECKPOINT_KEY)
        self.conformal = None if entry is None else scores_from_checkpoint(entry)

    def calibrate_checkpoint(
        self, ckpt_path: str, datamodule: ForecastDataModule, device: torch.device
    ) -> None:
        """After a CLI fit: load the best checkpoint's weights, score them on the validation windows of
        ``datamodule`` on ``device`` (as ``Forecaster.fit`` does), and store the scores in that checkpoint,
        so ``predict --ckpt_path best --level 80`` and the logged model give intervals without another pass."""
        from ssm_ts.export import load_checkpoint
        from ssm_ts.tasks.forecast_validation_scores import validation_scores  # which imports the task

        checkpoint = load_checkpoint(ckpt_path)
        self.load_state_dict(checkpoint["state_dict"])
        was_training = self.training
        self.eval()
        try:
            scores = validation_scores(self, datamodule, device=device)
        finally:
            self.train(was_training)
        targets = list(datamodule.spec.targets)
        store_scores_in_checkpoint(ckpt_path, scores, targets, checkpoint)
        self.conformal = (scores, targets)

    def conformal_for(self, spec: SeriesSpec):
        """The stored scores if they fit this model's horizon and ``spec``'s series, else ``None``."""
        if self.conformal is None:
            return None
        scores, targets = self.conformal
        fits = targets == list(spec.targets) and scores.horizon == self.hparams.horizon
        return scores if fits else None
