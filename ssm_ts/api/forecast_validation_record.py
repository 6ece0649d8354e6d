"""The validation metrics a checkpoint's weights earned during the fit, stored in the checkpoint: a
``Forecaster`` fit that restores a checkpoint written right after its validation reports those,
instead of validating the same weights on the same windows again (a full pass over the validation
split: a third of what an ETTh1 fit spends after its last epoch)."""

from __future__ import annotations

from typing import Any

# the checkpoint's entry: {"fit", "epoch", "global_step", "metrics"}; "fit" names the fit that measured them
VALIDATION_KEY = "ssm_ts_validation"


def validated_metrics(checkpoint: dict[str, Any], fit: str | None) -> dict[str, float] | None:
    """The ``val_*`` metrics of ``checkpoint``'s weights from the fit's own validation: those stored by
    :class:`~ssm_ts.api.forecast_validation_callback.RecordValidation` when the checkpoint was saved
    at the same epoch and optimizer step (no training step between the validation and the save) by the
    fit ``fit`` (the callback's :attr:`fit_id`); ``None`` otherwise: a checkpoint saved later, at the
    end of training, by an older version, or by the run before a resume (a resume may change
    ``trainer_options``, ``limit_val_batches`` say, or the accelerator, so its validation of the same
    weights can give other figures)."""
    record = checkpoint.get(VALIDATION_KEY)
    if fit is None or not isinstance(record, dict) or not record.get("metrics") or record.get("fit") != fit:
        return None
    saved_at = (checkpoint.get("epoch"), checkpoint.get("global_step"))
    if (record.get("epoch"), record.get("global_step")) != saved_at:
        return None
    return dict(record["metrics"])
