"""The validation metrics of a front end's returned model (the best checkpoint's weights), measured
by a trainer of its own: shared by ``Forecaster`` and ``WaveformGenerator``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ssm_ts.api.trainer_objects import fit_trainer_options


def best_weights_validation(
    task: Any, datamodule: Any, settings: dict[str, Any], owner: str, out_dir: Path
) -> dict[str, float]:
    """The ``val_*`` metrics of ``task`` (a LightningModule with the weights to report) on
    ``datamodule``'s validation split, by a separate one-epoch trainer with the fit's ``settings``
    (``accelerator``, ``trainer_options``) but without its logger or callbacks: the MLflow history keeps
    one value per epoch, and an EMA callback would swap its last average in for the restored weights.
    ``owner``: the front end, for messages (``"Forecaster"``)."""
    from ssm_ts.training import build_trainer  # Lightning loads only when a fit runs

    kept = {k: v for k, v in (settings["trainer_options"] or {}).items() if k != "callbacks"}
    options = fit_trainer_options(kept, owner)
    evaluator = build_trainer(max_epochs=1, out_dir=out_dir, accelerator=settings["accelerator"], **options)
    results = evaluator.validate(task, datamodule=datamodule, verbose=False)
    return {k: float(v) for k, v in (results[0] if results else {}).items() if k.startswith("val_")}
