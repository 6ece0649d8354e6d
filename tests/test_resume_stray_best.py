"""A stop mid-epoch validates once more after ``last.ckpt`` was written; a best checkpoint it saved is one
the resumed fit's restored state does not track. A resume that never did better kept it, the newest
``best-*.ckpt`` of the folder, so ``--ckpt_path best`` loaded the stop's mid-epoch weights, not the
uninterrupted fit's best. The resume now removes it (its own folder's, saved after the checkpoint it
resumed, recording ssm-ts's save time, tracked by no checkpoint callback)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssm_ts.checkpoint_times import SAVED_AT_KEY
from ssm_ts.training import resolve_named_checkpoint
from tests import test_resume_mid_epoch as tiny_fits
from tests.test_resume_mid_epoch import assert_same_bits, fitter
from tests.test_resume_mid_epoch_again import ScriptedValidationLoss, StopAt

pytestmark = pytest.mark.usefixtures("single_thread")
etth1 = tiny_fits.etth1  # the fixture: ETTh1's first 600 rows


def own_folder(out: Path) -> Path:
    return next(out.rglob("last.ckpt")).parent


def test_ckpt_path_best_after_a_resume_is_the_uninterrupted_fits_best(etth1, tmp_path):
    """The stop's validation (0.5, after epoch 1's second batch) saved ``best-epoch=1.ckpt``; the resumed
    fit's best stays epoch 0's (1.0; its epoch 1 validates at 2), as in the uninterrupted fit."""
    fit = fitter(etth1, tmp_path, validation=True)
    fit("whole", callbacks=[ScriptedValidationLoss()])
    fit("stopped", callbacks=[ScriptedValidationLoss(), StopAt(1, 1)])
    assert (own_folder(tmp_path / "stopped") / "best-epoch=1.ckpt").is_file()  # the stop's
    resumed = fit("stopped", resume=True, callbacks=[ScriptedValidationLoss()])
    expected = resolve_named_checkpoint("best", tmp_path / "whole")
    got = resolve_named_checkpoint("best", tmp_path / "stopped")
    assert got.name == expected.name == Path(resumed.best_checkpoint_).name == "best-epoch=0.ckpt"
    assert sorted(p.name for p in got.parent.glob("best-*.ckpt")) == ["best-epoch=0.ckpt"]
    load = lambda path: torch.load(path, map_location="cpu", weights_only=False)["state_dict"]  # noqa: E731
    assert_same_bits(load(got), load(expected))


def test_a_resume_keeps_best_files_it_did_not_write_after_its_checkpoint(etth1, tmp_path):
    """An older fit's best checkpoint in the folder (saved before the one resumed) and a file of the user's
    named like one (no ssm-ts save time) stay; only the stop's untracked one goes."""
    fit = fitter(etth1, tmp_path, validation=True)
    fit("stopped", callbacks=[ScriptedValidationLoss(), StopAt(1, 1)])
    folder = own_folder(tmp_path / "stopped")
    older = torch.load(folder / "best-epoch=0.ckpt", map_location="cpu", weights_only=False)
    older[SAVED_AT_KEY] -= 10**9
    torch.save(older, folder / "best-epoch=0-v9.ckpt")
    torch.save({"mine": torch.zeros(1)}, folder / "best-mine.ckpt")
    fit("stopped", resume=True, callbacks=[ScriptedValidationLoss()])
    kept = sorted(p.name for p in folder.glob("best-*.ckpt"))
    assert kept == ["best-epoch=0-v9.ckpt", "best-epoch=0.ckpt", "best-mine.ckpt"]
