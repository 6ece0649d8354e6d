"""A fit that cannot write its files says so in one error naming the file, the fix and the resume: a
full disk mid-fit was an OSError traceback from inside Lightning (the run FAILED, nothing said what was
kept), and a read-only --out one too, after the MLflow run had started."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

from ssm_ts import cli
from ssm_ts.api.tune_cli import check_out
from ssm_ts.errors import ConfigError
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.logger import default_tracking_uri
from ssm_ts.training import AtomicCheckpointIO, resolve_named_checkpoint
from tests.test_checkpoint_full_disk import FullDisk

FIT = ["line", "fit", "--trainer.max_epochs", "3", "--out", "out", "--trainer.enable_progress_bar", "false"]


def _disk_full_at(monkeypatch, name: str, epoch: int):
    """Saving checkpoint ``name`` (``last.ckpt``) at ``epoch`` fails as a full disk does: its write (to a
    temporary file beside it, renamed onto it once whole) runs out of room. Returns the real save, to put
    back."""
    disk = FullDisk(Path("out"), monkeypatch)
    save = AtomicCheckpointIO.save_checkpoint

    def saving(self, checkpoint, path, storage_options=None):
        disk.full = Path(path).name == name and checkpoint["epoch"] == epoch
        try:
            return save(self, checkpoint, path, storage_options)
        finally:
            disk.full = False

    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", saving)
    return save


def _run_status() -> str:
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    return run.info.status


def test_a_full_disk_mid_fit_names_the_file_and_resumes_from_the_last_checkpoint_it_kept(
    line_use, monkeypatch, capsys
):
    save = _disk_full_at(monkeypatch, "last.ckpt", epoch=1)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err and _run_status() == "FAILED"
    assert (
        "(No space left on device; checkpoint " in err
        and "last.ckpt was not written, the one before is kept" in err
    )
    assert "make room on that disk" in err and "its MLflow run is marked FAILED" in err
    # last.ckpt is epoch 0's, whole (a copy onto it was cut short): the resume starts from it
    resume = err.split("Resume it, in the same run, with: ")[1].split()
    assert resume[:5] == ["ssm-ts", "line", "fit", "--ckpt_path", "last"]
    assert load_checkpoint(resolve_named_checkpoint("last", "out"))["epoch"] == 0

    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", save)  # room made
    assert cli.main([*resume[1:], "--trainer.enable_progress_bar", "false"]) == 0
    assert _run_status() == "FINISHED"


def test_a_full_disk_before_the_first_checkpoint_says_there_is_nothing_to_resume(
    line_use, monkeypatch, capsys
):
    _disk_full_at(monkeypatch, "best-epoch=0.ckpt", epoch=0)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "best-epoch=0.ckpt was not written, the one before is kept); make room on that disk" in err
    assert "Stopped before the fit wrote its first checkpoint" in err and "without --ckpt_path" in err
    assert "Traceback" not in err and _run_status() == "FAILED"


def test_a_full_disk_at_the_first_last_checkpoint_resumes_from_the_best_one(line_use, monkeypatch, capsys):
    """best-epoch=0.ckpt written, then last.ckpt not: the message said there was nothing to resume."""
    save = _disk_full_at(monkeypatch, "last.ckpt", epoch=0)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "nothing to resume" not in err and "Traceback" not in err
    resume = err.split("Resume it, in the same run, from there with: ")[1].split()
    assert resume[:4] == ["ssm-ts", "line", "fit", "--ckpt_path"] and resume[4].endswith("best-epoch=0.ckpt")
    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", save)  # room made
    assert cli.main([*resume[1:], "--trainer.enable_progress_bar", "false"]) == 0
    assert _run_status() == "FINISHED"


def test_a_read_only_out_is_refused_before_anything_starts(tmp_path, monkeypatch):
    # as root a chmod alone would not make a folder read-only: os.access is what the check asks
    monkeypatch.setattr("ssm_ts.api.tune_cli.os.access", lambda *args, **kwargs: False)
    with pytest.raises(ConfigError, match=r"--out .*new would be made in .*, which is not writable"):
        check_out(tmp_path / "new")
    with pytest.raises(ConfigError, match=r"--out .* is not writable .*give --out a folder you can write to"):
        check_out(tmp_path)
    check_out(tmp_path, writable=False)  # validate and test need only read
