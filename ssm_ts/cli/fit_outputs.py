"""What a command leaves in ``--out`` and its MLflow run once it has run: the run's figures and
samples, and after a fit its best checkpoint and its model as an MLflow pyfunc."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from rich.console import Console

from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.logger import log_artifact
from ssm_ts.tracking.run_folder import log_model_and_publish, publish_copy, run_folder, unique_name

# Run artifacts copied beside the outputs in --out after fit/validate/test: figures (forecast with intervals,
# confusion matrices) and generated audio with its spectrogram sheets.
MIRRORED_ARTIFACTS = ("plots", "samples")
# Those replaced whole, as <out>/export is: the listening samples of one fit, a folder per epoch
# (samples/epoch_002/...). Copied file by file, a second fit into the same --out mixed its epochs with
# the first's (its epoch_001 beside the first fit's epoch_002) in folders that read as one training.
MIRRORED_WHOLE = frozenset({"samples"})


def mirror_run_artifacts(logger: Any, out: Path) -> None:
    """Copy the run's figures and samples (MIRRORED_ARTIFACTS) of MLflow ``logger`` into ``out``, beside
    the other outputs; each run keeps its own in its folder, ``<out>/<experiment id>/<run id>/``."""
    own = run_folder(out, logger)
    console = Console(stderr=True, soft_wrap=True)
    for folder in MIRRORED_ARTIFACTS:
        if logger.experiment.list_artifacts(logger.run_id, folder):
            logger.experiment.download_artifacts(logger.run_id, folder, str(own))
            if folder in MIRRORED_WHOLE:  # this run's alone; with fits at the same time, the last finished
                publish_copy(own / folder, out / folder)
                console.print(f"[green]{folder}[/green] {out / folder} (this run's; also in {own / folder})")
                continue
            # file by file, so a test's plots join the fit's; with fits at the same
            # time, each file is the last writer's
            for path in sorted(p for p in (own / folder).rglob("*") if p.is_file()):
                publish_copy(path, out / path.relative_to(own))
            console.print(f"[green]{folder}[/green] {out / folder}")


def retire_earlier_samples(logger: Any, out: Path) -> None:
    """After a fit that made no listening samples (``--model.sample_every_n_epochs 0``), remove the
    ``<out>/samples`` an earlier fit into ``out`` published: beside this fit's ``<out>/export`` they
    read as this model's clips. The earlier run keeps its own (``<out>/<experiment id>/<run id>/samples``,
    and its MLflow run). A ``samples`` folder that is not ssm-ts's listening samples is left alone."""
    from ssm_ts.pipelines.audio.generated import is_listening_samples_folder  # audio fits alone use it

    stale = out / "samples"
    if not stale.is_dir() or logger.experiment.list_artifacts(logger.run_id, "samples"):
        return
    aside = out / f".samples-of-an-earlier-fit-{unique_name()}"  # out of sight at once, then removed
    try:
        if not is_listening_samples_folder(stale):
            return
        owner = _samples_owner(stale, out)
        stale.rename(aside)
    except FileNotFoundError:  # a fit into the same out at the same time moved them first
        return
    kept = (
        f"run {owner.name} keeps them in {owner / 'samples'}"
        if owner
        else "each run keeps its own in its folder"
    )
    shutil.rmtree(aside, ignore_errors=True)
    Console(stderr=True, soft_wrap=True).print(
        f"[green]samples[/green] removed {stale}, an earlier fit's listening clips (this fit made none; {kept})"
    )


def _samples_owner(samples: Path, out: Path) -> Path | None:
    """The run folder ``<out>/<experiment id>/<run id>`` whose ``samples`` hold the same files as
    ``samples`` (names and sizes), if one does."""

    def listing(folder: Path) -> set[tuple[str, int]]:
        return {(str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()}

    mine = listing(samples)
    runs = sorted(out.glob("*/*/samples"), key=lambda p: -p.stat().st_mtime_ns)
    return next((run.parent for run in runs if run.is_dir() and listing(run) == mine), None)


def log_fitted_model(task: Any, datamodule: Any, logger: Any, best: str, out: Any, register_as: Any) -> None:
    """Log the ``best`` checkpoint and the fitted ``task`` (with that checkpoint's weights) as a pyfunc
    to MLflow ``logger``'s run, published in ``out`` (and registered as ``register_as``, if given). An
    earlier fit's ``<out>/samples`` goes when this one made none (:func:`retire_earlier_samples`)."""
    retire_earlier_samples(logger, Path(out))
    if best:
        log_artifact(logger, best, "checkpoints")
        Console(stderr=True, soft_wrap=True).print(f"[green]checkpoints[/green] {Path(best).parent}")
        # the logged model is the best validation epoch's, as the checkpoint is, not the last one
        task.load_state_dict(load_checkpoint(best)["state_dict"])
    make_pyfunc = getattr(task, "mlflow_pyfunc", None)
    if make_pyfunc is not None:
        # a task's signature declares the params its pyfunc takes (classify: rate); its input
        # example is one the pyfunc takes (MLflow warns on every model logged with a signature
        # and no example)
        example, signature = model_example_and_signature(task, datamodule)
        uri = log_model_and_publish(
            logger,
            out,
            lambda export_dir: make_pyfunc(datamodule, export_dir),
            register_as=register_as,
            input_example=example,
            signature=signature,
        )
        Console(stderr=True, soft_wrap=True).print(f"[green]logged model[/green] {uri} (run {logger.run_id})")


def model_example_and_signature(task: Any, datamodule: Any) -> tuple[Any, Any]:
    """``(input example, signature)`` of the pyfunc a fit of ``task`` logs, ``(None, None)`` for a task
    without them. A forecaster's are the ``Forecaster``'s (the last ``lookback`` rows; the forecast's
    columns and the params ``n``, and ``level``/``interval_method`` when calibrated), built here because
    the task sits below the api; the other tasks describe their own."""
    from ssm_ts.tasks.forecasting import ForecastingTask

    if isinstance(task, ForecastingTask):
        from ssm_ts.api.forecaster import Forecaster

        forecaster = Forecaster.around(task, datamodule, task.conformal_for(datamodule.spec))
        return forecaster.mlflow_example_and_signature()
    describe = getattr(task, "mlflow_example_and_signature", None)
    return describe(datamodule) if describe is not None else (None, None)
