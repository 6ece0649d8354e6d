"""Moved to :mod:`ssm_ts.tasks.forecast_validation_scores` (a CLI fit's task calibrates its best
checkpoint with them); the names stay importable from here."""

from ssm_ts.tasks.forecast_validation_scores import CALIBRATION_BATCH, calibration_windows, validation_scores

__all__ = ["CALIBRATION_BATCH", "calibration_windows", "validation_scores"]
