"""A CLI audio fit that makes no listening samples (``--model.sample_every_n_epochs 0``) removes the
``<out>/samples`` an earlier fit into that ``--out`` published: they stayed beside the new fit's
``<out>/export`` and read as its clips. The earlier run keeps its own copy in its run folder (named in
the line the fit prints). Validate and test runs, and a ``samples`` folder of one's own, leave it be."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts.cli.fit_outputs import log_fitted_model, mirror_run_artifacts
from ssm_ts.tracking.logger import log_artifact, make_mlflow_logger

pytestmark = pytest.mark.usefixtures("single_thread")


def _run(tmp_path: Path, name: str, epochs: int):
    """An MLflow run with what the sample callback logs for ``epochs`` epochs (none: 0)."""
    logger = make_mlflow_logger("ssm-ts-audio")
    for epoch in range(1, epochs + 1):
        folder = tmp_path / name / f"epoch_{epoch:03d}"
        folder.mkdir(parents=True)
        (folder / f"epoch{epoch:03d}_sample0.wav").write_text(f"{name} {epoch}")
        (folder / "spectrograms.png").write_text(name)
    if epochs:
        log_artifact(logger, tmp_path / name, "samples")
    return logger


def _fit_ends(logger, out: Path) -> None:
    """What the CLI does after a fit that logged to MLflow (no checkpoint, no model: nothing else to log)."""
    mirror_run_artifacts(logger, out)
    log_fitted_model(object(), None, logger, "", out, None)


def test_a_fit_without_samples_removes_the_earlier_fits(tmp_path, capsys):
    out = tmp_path / "out"
    first = _run(tmp_path, "first", epochs=2)
    _fit_ends(first, out)
    assert (out / "samples" / "epoch_002").is_dir()
    second = _run(tmp_path, "second", epochs=0)
    _fit_ends(second, out)
    assert not (out / "samples").exists()  # it stayed, the first fit's, beside the second's export
    own_first = out / first.experiment_id / first.run_id / "samples"
    assert (own_first / "epoch_002" / "epoch002_sample0.wav").read_text() == "first 2"
    said = " ".join(capsys.readouterr().err.split())
    assert f"removed {out / 'samples'}, an earlier fit's listening clips (this fit made none; run " in said
    assert f"{first.run_id} keeps them in {own_first})" in said
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # nothing moved aside is left


def test_validate_and_test_runs_leave_the_fits_samples(tmp_path):
    out = tmp_path / "out"
    _fit_ends(_run(tmp_path, "fit", epochs=1), out)
    mirror_run_artifacts(_run(tmp_path, "test", epochs=0), out)  # ssm-ts audio test --out: no model logged
    assert (out / "samples" / "epoch_001" / "epoch001_sample0.wav").read_text() == "fit 1"


def test_a_samples_folder_of_ones_own_is_never_removed(tmp_path):
    out = tmp_path / "out"
    (out / "samples").mkdir(parents=True)
    (out / "samples" / "my_take.wav").write_text("mine")
    _fit_ends(_run(tmp_path, "fit", epochs=0), out)
    assert (out / "samples" / "my_take.wav").read_text() == "mine"
