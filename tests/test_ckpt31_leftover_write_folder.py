"""A checkpoint folder holding only a killed write's temporary file holds no checkpoint: the fit's setup
removes the file before Lightning looks at the folder, so Lightning's "Checkpoint directory ... exists and
is not empty" warning is not given for it; a folder with a checkpoint in it still gets that warning."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import lightning.pytorch as pl
import pytest

from ssm_ts.training.checkpoints import best_checkpoint_callback
from tests.training.test_checkpoint_leftovers import dead_writers_file

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the writer's lock needs fcntl (POSIX)")

NOT_EMPTY = "exists and is not empty"


def _set_up(tmp_path: Path, given_folder: bool) -> tuple[Path, list[str]]:
    """Set up ssm-ts's own checkpoint callback for a fit, its folder given (as ``Forecaster`` gives it)
    or resolved by Lightning (a LightningCLI fit without a logger: ``<default_root_dir>/checkpoints``),
    with a dead writer's file in that folder first. Returns the folder and the warnings given."""
    checkpoint = best_checkpoint_callback(out_dir=tmp_path if given_folder else None)
    folder = tmp_path / "checkpoints"
    folder.mkdir(exist_ok=True)
    dead_writers_file(folder, 1000)
    trainer = pl.Trainer(
        callbacks=[checkpoint],
        default_root_dir=tmp_path,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checkpoint.setup(trainer, pl.LightningModule(), "fit")
    assert Path(checkpoint.dirpath) == folder
    return folder, [str(w.message) for w in caught]


@pytest.mark.parametrize("given_folder", [True, False], ids=["dirpath given", "dirpath resolved"])
def test_a_folder_holding_only_a_killed_writes_file_is_not_said_to_be_in_use(tmp_path, given_folder):
    folder, said = _set_up(tmp_path, given_folder)
    assert list(folder.iterdir()) == []
    assert not [m for m in said if NOT_EMPTY in m], said
    assert any("Removed the unfinished checkpoint files" in m for m in said)


def test_a_folder_with_a_checkpoint_is_still_said_to_be_in_use(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "last.ckpt").write_bytes(b"a checkpoint")
    folder, said = _set_up(tmp_path, given_folder=True)
    assert [p.name for p in folder.iterdir()] == ["last.ckpt"]  # the dead writer's file went
    assert [m for m in said if NOT_EMPTY in m and str(folder) in m]


def test_a_users_checkpoint_folder_holding_only_a_killed_writes_file_is_not_said_to_be_in_use(tmp_path):
    """A LightningCLI fit's ``--trainer.callbacks ModelCheckpoint`` gets ``user_checkpoints/`` from
    :class:`UserCheckpointFolders`, whose setup Lightning calls before the checkpoint callbacks' own."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    from ssm_ts.training.user_checkpoints import UserCheckpointFolders

    folder = tmp_path / "user_checkpoints"
    folder.mkdir()
    dead_writers_file(folder, 1000)
    own, users = best_checkpoint_callback(out_dir=tmp_path), ModelCheckpoint(save_last=True)
    trainer = pl.Trainer(callbacks=[UserCheckpointFolders(), users, own], default_root_dir=tmp_path,
                         logger=False, enable_progress_bar=False, enable_model_summary=False)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for callback in trainer.callbacks:  # in Lightning's order
            callback.setup(trainer, pl.LightningModule(), "fit")
    assert Path(users.dirpath) == folder and list(folder.iterdir()) == []
    assert not [str(w.message) for w in caught if NOT_EMPTY in str(w.message)]
