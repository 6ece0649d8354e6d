"""A fit that cannot write its files says so in one error naming the file, the fix and the resume: a
full disk mid-fit was an OSError traceback from inside Lightning (the run FAILED, nothing said what was
kept), and a read-only --out one too, after the MLflow run had started."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import mlflow
import pytest
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from ssm_ts import cli
from ssm_ts.api.tune_cli import check_out
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import default_tracking_uri

FIT = ["line", "fit", "--trainer.max_epochs", "3", "--out", "out", "--trainer.enable_progress_bar", "false"]


def _disk_full_at(monkeypatch, name: str, epoch: int):
    """Saving checkpoint ``name`` (``last.ckpt``) at ``epoch`` fails as a full disk does (Lightning writes a
    temporary file, then moves it onto the checkpoint). Returns the real save, to put back."""
    save = TorchCheckpointIO.save_checkpoint

    def disk_full(self, checkpoint, path, storage_options=None):
        if Path(path).name == name and checkpoint["epoch"] == epoch:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/tmp/tmpxyz", None, str(path))
        return save(self, checkpoint, path, storage_options)

    monkeypatch.setattr(TorchCheckpointIO, "save_checkpoint", disk_full)
    return save


def _run_status() -> str:
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    return run.info.status


def test_a_full_disk_mid_fit_names_the_file_and_resumes_from_the_best_checkpoint(
    line_use, monkeypatch, capsys
):
    save = _disk_full_at(monkeypatch, "last.ckpt", epoch=1)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err and _run_status() == "FAILED"
    assert "last.ckpt failed (No space left on device), so that checkpoint may be cut short" in err
    assert "make room on that disk" in err and "its MLflow run is marked FAILED" in err
    # last.ckpt is the one cut short: the resume starts from the best checkpoint, written before it
    resume = err.split("Resume it, in the same run, with: ")[1].split()
    assert resume[:4] == ["ssm-ts", "line", "fit", "--ckpt_path"] and resume[4].endswith("best-epoch=1.ckpt")

    monkeypatch.setattr(TorchCheckpointIO, "save_checkpoint", save)  # room made
    assert cli.main([*resume[1:], "--trainer.enable_progress_bar", "false"]) == 0
    assert _run_status() == "FINISHED"


def test_a_full_disk_before_the_first_checkpoint_says_there_is_nothing_to_resume(
    line_use, monkeypatch, capsys
):
    _disk_full_at(monkeypatch, "best-epoch=0.ckpt", epoch=0)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "best-epoch=0.ckpt failed (No space left on device); make room on that disk" in err
    assert "Stopped before the fit wrote its first checkpoint" in err and "without --ckpt_path" in err
    assert "Traceback" not in err and _run_status() == "FAILED"


def test_a_read_only_out_is_refused_before_anything_starts(tmp_path, monkeypatch):
    # as root a chmod alone would not make a folder read-only: os.access is what the check asks
    monkeypatch.setattr("ssm_ts.api.tune_cli.os.access", lambda *args, **kwargs: False)
    with pytest.raises(ConfigError, match=r"--out .*new would be made in .*, which is not writable"):
        check_out(tmp_path / "new")
    with pytest.raises(ConfigError, match=r"--out .* is not writable .*give --out a folder you can write to"):
        check_out(tmp_path)
    check_out(tmp_path, writable=False)  # validate and test need only read
