"""Checkpoints that record no save time (a user's ModelCheckpoint's, or ssm-ts's from before it recorded
one) rank by their training progress within one folder, not by their files' modification times.

A copy made without keeping times (``cp -r``, a git checkout, an unzip) stamps each file when it is
copied, in the folder's listing order: ``newest`` then picked whichever file the copy wrote last, here
the checkpoint of step 100 over the one of step 300 saved after it. Between folders (different fits)
the progress says which fit trained longer, not which is newer: the files' times still decide there.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ssm_ts.checkpoint_times import SAVED_AT_KEY, newest_checkpoint
from ssm_ts.training import find_newest_checkpoint

LIGHTNING = {"pytorch-lightning_version": "2.6.6", "state_dict": {}}


def save(path: Path, mtime_s: int, **content) -> Path:
    """A Lightning checkpoint of ``content`` (``epoch``, ``global_step``) at ``path``, modified at
    ``mtime_s`` (seconds since the epoch)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({**LIGHTNING, **content}, path)
    os.utime(path, ns=(mtime_s * 10**9, mtime_s * 10**9))
    return path


def test_a_copy_that_reversed_the_times_keeps_the_furthest_trained_of_a_folder(tmp_path):
    folder = tmp_path / "out" / "user_checkpoints"
    # saved at steps 100 then 300; the copy wrote step 300's file first
    earlier = save(folder / "step=100.ckpt", 1_800_000_009, epoch=0, global_step=100)
    later = save(folder / "step=300.ckpt", 1_800_000_001, epoch=2, global_step=300)
    assert newest_checkpoint([earlier, later]) == newest_checkpoint([later, earlier]) == later
    assert find_newest_checkpoint(tmp_path / "out", "step=*.ckpt") == later  # before: step=100.ckpt


def test_equal_steps_are_decided_by_the_epoch(tmp_path):
    # the end of an epoch without a further step (validation only): the same global step, a later epoch
    earlier = save(tmp_path / "a.ckpt", 1_800_000_009, epoch=2, global_step=30)
    later = save(tmp_path / "b.ckpt", 1_800_000_001, epoch=3, global_step=30)
    assert newest_checkpoint([earlier, later]) == later


def test_between_folders_the_times_decide_not_which_fit_trained_longer(tmp_path):
    # a long fit, then a short one in its own folder: the short one is the newest
    long_fit = save(
        tmp_path / "fits" / "a" / "checkpoints" / "last.ckpt", 1_800_000_000, epoch=9, global_step=900
    )
    short_fit = save(
        tmp_path / "fits" / "b" / "checkpoints" / "last.ckpt", 1_800_000_500, epoch=0, global_step=10
    )
    assert find_newest_checkpoint(tmp_path) == short_fit
    # a folder counts with its newest file's time: its furthest-trained checkpoint against another folder's
    other = save(long_fit.parent / "other.ckpt", 1_800_000_900, epoch=1, global_step=100)
    assert newest_checkpoint([long_fit, other, short_fit]) == long_fit


def test_a_recorded_time_still_comes_first(tmp_path):
    stamped = save(
        tmp_path / "stamped.ckpt",
        1_700_000_000,
        epoch=0,
        global_step=1,
        **{SAVED_AT_KEY: 1_800_000_000 * 10**9},
    )
    unstamped = save(tmp_path / "unstamped.ckpt", 1_799_000_000, epoch=9, global_step=900)
    assert newest_checkpoint([stamped, unstamped]) == stamped
