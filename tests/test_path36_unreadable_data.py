"""A data file this user cannot read (mode 000, another user's): the fit's error named it as a failed
write, "writing data.csv failed (Permission denied); make it writable", with advice on resuming."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from ssm_ts import cli
from ssm_ts.cli import write_failures
from ssm_ts.cli.write_failures import is_write_failure, unreadable_file


@pytest.fixture
def unreadable_csv(in_tmp, shared_data, monkeypatch) -> Path:
    """``sécret data.csv``, which reads are refused as a file of mode 000 is (also to root, who may read
    any file)."""
    path = in_tmp / "sécret data.csv"
    path.write_text((shared_data / "forecasting" / "ETTh1.csv").read_text()[:30000])
    read_bytes = Path.read_bytes

    def refused(self: Path) -> bytes:
        if self.name == path.name:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refused)
    monkeypatch.setattr(write_failures, "_readable", lambda name: Path(name).name != path.name)
    return path


def test_a_fit_on_an_unreadable_data_file_names_a_read(unreadable_csv, capsys):
    args = ["forecast", "fit", "--model.model", "dlinear", "--model.lookback", "24", "--model.horizon", "6"]
    args += ["--data.path", unreadable_csv.name, "--trainer.max_epochs", "1", "--out", "out"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert f"cannot read {unreadable_csv.name} (permission denied); make it readable" in err
    assert "writ" not in err  # not "writing ... failed; make it writable", nor a resume's advice


def test_a_refused_write_is_still_a_write(tmp_path):
    """A folder turned read-only (the file to write does not exist) and a full disk stay write failures."""
    target = tmp_path / "last.ckpt"
    refused = PermissionError(errno.EACCES, "Permission denied", os.fspath(target))
    assert unreadable_file(refused) is None and is_write_failure(refused)
    target.write_text("x")  # an existing file this user can read: a refused write to it
    assert unreadable_file(refused) is None and is_write_failure(refused)
    full = OSError(errno.ENOSPC, "No space left on device", os.fspath(target))
    assert is_write_failure(full)
