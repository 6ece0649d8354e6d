"""The end of a ``Forecaster`` fit, after training: the best weights restored and evaluated, what
predict needs kept on the forecaster, and the run's config, checkpoint and pyfunc model logged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.api.forecast_validation_record import validated_metrics
from ssm_ts.api.validation_metrics import best_weights_validation
from ssm_ts.pipelines.forecasting import ForecastDataModule, series_notes
from ssm_ts.tasks.checkpoint_scores import store_scores_in_checkpoint
from ssm_ts.tasks.forecasting import ForecastingTask

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def finish_fit(
    fc: Forecaster,
    trainer,
    task: ForecastingTask,
    datamodule: ForecastDataModule,
    out_dir: Path,
    own_dir: Path,
    best: str,
    logger,
) -> None:
    """Restore the best weights of ``task``, evaluate them, keep on ``fc`` what predict needs, log the
    run's results."""
    from ssm_ts.api.forecast_validation_callback import fit_id
    from ssm_ts.export import load_checkpoint

    checkpoint = load_checkpoint(best) if best else None
    if checkpoint is not None:
        task.load_state_dict(checkpoint["state_dict"])
    fc.best_checkpoint_ = best or None
    fc.spec_ = datamodule.spec
    # Carries the SeriesNotes (which targets were filled) for backtest() without data.
    fc.history_ = datamodule.observed_frame().reset_index(drop=True)
    # Trailing rows with known-future covariates but no targets: left out of training, kept
    # so that predict() without data has the covariates of the steps it forecasts.
    fc.future_ = series_notes(datamodule.frame).future
    # The last epoch's callback_metrics describe other weights than the restored best ones: those the
    # best checkpoint's weights earned in this fit's validation (not a resumed run's), else a validation
    # of them of its own
    recorded = validated_metrics(checkpoint, fit_id(trainer)) if checkpoint is not None else None
    fc.metrics_ = recorded if recorded is not None else (
        best_weights_validation(task.eval(), datamodule, fc.settings, "Forecaster", own_dir)
    )  # fmt: skip
    task.eval()
    if datamodule.bounds.test_end > datamodule.bounds.val_end:
        # the test split is read once, at the end, with the best weights
        (test_metrics,) = trainer.test(task, datamodule=datamodule, verbose=False)
        fc.metrics_.update({k: float(v) for k, v in test_metrics.items()})
        partial = partial_test_note(trainer)
        # the user's limit_test_batches: said (once, by rank 0 of a DDP fit), not reported as the split's
        if partial is not None and trainer.is_global_zero:
            warn_partial_test(partial)
            if logger is not None:
                logger.experiment.set_tag(logger.run_id, PARTIAL_TEST_TAG, partial)
    # split-conformal scores on the validation windows (never the test split), saved with the model,
    # computed on the trainer's device (a GPU fit's pass took 22 s of a 50 s ETTh1 fit on the CPU)
    fc.task_ = task.eval()
    fc.conformal_ = fc._validation_scores(datamodule, trainer.strategy.root_device)
    fc.task_ = task.cpu().eval()
    if not trainer.is_global_zero:  # strategy="ddp": the script runs once a process; rank 0 writes and logs
        return
    if best:  # kept in the checkpoint too (as a CLI fit does): `ssm-ts forecast predict --level` uses them
        store_scores_in_checkpoint(best, fc.conformal_, datamodule.spec.targets)
    if logger is not None:
        log_fit(fc, logger, datamodule, out_dir, best)


# the MLflow tag of a fit whose test metrics cover some of the test split's batches (limit_test_batches)
PARTIAL_TEST_TAG = "test_score"


def partial_test_note(trainer) -> str | None:
    """``"partial: 2 of 109 test batches (limit_test_batches=2)"`` after ``trainer.test`` scored fewer
    batches than the test split holds (the user's ``limit_test_batches``); ``None`` for the whole split.
    Counts are this process's (a DDP rank's shard)."""
    limit = trainer.limit_test_batches
    if isinstance(limit, float) and limit == 1.0:  # (an int 1 is one batch)
        return None
    loaders = trainer.test_dataloaders
    loaders = loaders if isinstance(loaders, (list, tuple)) else [loaders]
    total = sum(len(loader) for loader in loaders)
    scored = int(sum(trainer.num_test_batches))
    if scored >= total:
        return None
    return f"partial: {scored} of {total} test batches (limit_test_batches={limit})"


def warn_partial_test(note: str) -> None:
    """Say that the ``test_*`` metrics of a fit are over part of its test split (``note``: :func:`partial_test_note`)."""
    import warnings

    from ssm_ts.user_stack_level import user_stack_level

    warnings.warn(
        f"the test_* metrics are {note}, not the whole test split; remove limit_test_batches from "
        "trainer_options to score all of it.",
        UserWarning,
        stacklevel=user_stack_level(),
    )


def log_fit(fc: Forecaster, logger, datamodule: ForecastDataModule, out_dir: Path, best: str) -> None:
    """Log the fitted ``fc``'s resolved config, best checkpoint and pyfunc model to its run, and finish it."""
    from ssm_ts.tracking.logger import log_artifact, log_dict_artifact
    from ssm_ts.tracking.pyfunc_forecast import write_model_code
    from ssm_ts.tracking.run_folder import log_model_and_publish

    source = data_source(datamodule)
    log_dict_artifact(logger, resolved_config(fc, source), "config.json")
    if best:
        log_artifact(logger, best, "checkpoints")
    example, signature = mlflow_example_and_signature(fc)

    def write_model(export_dir: Path) -> tuple[str, dict[str, str]]:
        fc.save(export_dir)
        return write_model_code(export_dir.parent / "pyfunc_code"), {"forecaster": str(export_dir)}

    log_model_and_publish(logger, out_dir, write_model, register_as=fc.settings["register_as"],
                          input_example=example, signature=signature)  # fmt: skip
    logger.finalize("success")
    fc.run_id_ = logger.run_id


def mlflow_example_and_signature(fc: Forecaster):
    """:meth:`Forecaster.mlflow_example_and_signature
    <ssm_ts.api.forecaster.Forecaster.mlflow_example_and_signature>` of the fitted ``fc``."""
    from ssm_ts.tracking.pyfunc_forecast import (
        EXAMPLE_PARAMS,
        forecast_signature,
        input_example,
    )

    hp = fc._require_fitted().hparams
    example = input_example(fc.history_, fc.spec_, hp.lookback, hp.horizon)
    signature = forecast_signature(example, fc.predict(example), horizon=hp.horizon,
                                   intervals=fc.conformal_ is not None)  # fmt: skip
    if fc.conformal_ is None:
        return example, signature
    return (example, dict(EXAMPLE_PARAMS)), signature


def resolved_config(fc: Forecaster, source: str) -> dict[str, Any]:
    """The run's ``config.json``: the fitted ``fc``'s settings, task, series, data ``source`` and metrics."""
    return {"forecaster": fc._json_settings(), "task": dict(fc._require_fitted().hparams),
            "series": fc.spec_.to_dict(), "data": source, "metrics": fc.metrics_}  # fmt: skip


def data_source(datamodule: ForecastDataModule) -> str:
    """Where a fit's data was read: the CSV path, or a DataFrame's size."""
    return datamodule.path or f"DataFrame ({len(datamodule.frame)} rows)"
