"""A fit started from a checkpoint in a folder this user cannot write (a shared model's checkpoint, a
read-only mount) trains into its own --out; the resumed fit's lock (698f91e), taken in the checkpoint's
folder, stopped it with a PermissionError traceback before anything was read."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from ssm_ts import cli
from ssm_ts.cli.checkpoint_args import CheckpointArgs
from ssm_ts.errors import ConfigError
from ssm_ts.training import fit_lock


def test_a_fit_from_a_checkpoint_in_a_read_only_folder_is_not_stopped_by_the_lock(
    basicmotions_random_features_cli_fit, tmp_path, monkeypatch, capsys
):
    shared = tmp_path / "shared"
    shared.mkdir()
    ckpt = shared / "model.ckpt"
    shutil.copy(basicmotions_random_features_cli_fit[0], ckpt)
    real_open = os.open

    def read_only_open(path, flags, *args):
        if Path(path).parent == shared and flags & os.O_CREAT:
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(fit_lock.os, "open", read_only_open)
    reached = []

    def stops_after_the_lock(self, ckpt_path, checkpoint):
        reached.append(ckpt_path)
        raise ConfigError("stopped after the lock")

    monkeypatch.setattr(CheckpointArgs, "_restore_fit_settings", stops_after_the_lock)
    out = tmp_path / "mine"
    assert cli.main(["classify", "fit", "--ckpt_path", str(ckpt), "--out", str(out)]) == 1
    assert "stopped after the lock" in capsys.readouterr().err
    assert reached == [str(ckpt)]
    assert not (shared / fit_lock.LOCK_NAME).exists()
