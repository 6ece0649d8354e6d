"""A user's top-k ``ModelCheckpoint`` saves at the validation of a stop mid-epoch, after ssm-ts's
``last.ckpt`` was written: a resume from it restores the callback's state of before that validation,
which does not track the file it saved and still names the one it replaced (gone). ssm-ts deletes no
file of a user's callback; a warning names both. A stop whose validation saved nothing says nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from lightning.pytorch.callbacks import ModelCheckpoint

from tests import test_resume_mid_epoch as tiny_fits
from tests.test_resume_mid_epoch import fitter
from tests.test_resume_mid_epoch_again import ScriptedValidationLoss, StopAt

pytestmark = pytest.mark.usefixtures("single_thread")
etth1 = tiny_fits.etth1  # the fixture: ETTh1's first 600 rows


def users(folder: Path) -> ModelCheckpoint:
    return ModelCheckpoint(dirpath=folder, monitor="val_loss", save_top_k=1, filename="{epoch}-{step}")


def test_a_resume_names_the_users_file_saved_by_the_stops_validation_and_keeps_it(etth1, tmp_path):
    """Validation losses 1.0 at epoch 0's end (step 6), 0.5 at the stop after epoch 1's second batch (step 8)."""
    fit, mine = fitter(etth1, tmp_path, validation=True), tmp_path / "mine"
    fit("stopped", callbacks=[ScriptedValidationLoss(), StopAt(1, 1), users(mine)])
    assert sorted(p.name for p in mine.iterdir()) == ["epoch=1-step=8.ckpt"]  # epoch 0's was replaced
    with pytest.warns(
        UserWarning, match=r"epoch=1-step=8\.ckpt was saved by the validation at the stop"
    ) as shown:
        fit("stopped", resume=True, callbacks=[ScriptedValidationLoss(), users(mine)])
    (note,) = [str(w.message) for w in shown if "validation at the stop" in str(w.message)]
    assert "That validation replaced epoch=0-step=6.ckpt, which the restored state still names" in note
    assert (mine / "epoch=1-step=8.ckpt").is_file()


def test_a_resume_after_a_stop_whose_validation_saved_nothing_warns_of_nothing(etth1, tmp_path):
    fit, mine = fitter(etth1, tmp_path, validation=True), tmp_path / "mine"
    fit("stopped", callbacks=[ScriptedValidationLoss(), StopAt(1, 2), users(mine)])  # validates 2.0
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        fit("stopped", resume=True, callbacks=[ScriptedValidationLoss(), users(mine)])
    assert not [w for w in shown if "validation at the stop" in str(w.message)]
    assert sorted(p.name for p in mine.iterdir()) == ["epoch=0-step=6.ckpt"]
