"""Which use (forecast, audio, classify) wrote a checkpoint: :mod:`ssm_ts.tasks.checkpoint_use`, where
``audio generate`` (and ``WaveformGenerator.load``) use it as well; re-exported for the CLI's imports."""

from __future__ import annotations

from ssm_ts.tasks.checkpoint_use import check_checkpoint_use, checkpoint_use, task_settings

__all__ = ["check_checkpoint_use", "checkpoint_use", "task_settings"]
