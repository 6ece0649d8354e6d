"""The newest checkpoint under an output folder is the one saved last, whatever the files' times say.

``fit(resume=True)`` and ``--ckpt_path last`` / ``best`` took the checkpoint with the latest
modification time. A copy of the folder made without keeping times (``cp -r``, ``rsync -r``) stamps
each file when it is copied, in the folder's listing order, and an archive keeps whole seconds: the
first fit's ``last.ckpt`` could then look newer than the second's (resumed: the wrong fit, silently),
or tie with it (picked by the listing order, which differs between file systems).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.checkpoint_times import SAVED_AT_KEY, newest_checkpoint, saved_at
from ssm_ts.training import find_newest_checkpoint, find_own_checkpoint, resolve_named_checkpoint

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def two_fits(tmp_path_factory) -> tuple:
    """``(out, first last.ckpt, second last.ckpt)``: two fits without MLflow, one after the other, in one
    output folder (each in its own ``fits/<name>/checkpoints``)."""
    out = tmp_path_factory.mktemp("two_fits") / "out"
    hours = pd.date_range("2020-01-01", periods=240, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(240) / 6.0)})
    lasts = []
    for seed in (0, 1):
        Forecaster(model="nlinear", lookback=12, horizon=4, max_epochs=1, seed=seed, log_to_mlflow=False,
                   out_dir=str(out), trainer_options={"enable_progress_bar": False}).fit(frame)  # fmt: skip
        (last,) = set(out.rglob("last.ckpt")) - set(lasts)
        lasts.append(last)
    return out, *lasts


def _set_mtime(path, seconds: float) -> None:
    os.utime(path, ns=(int(seconds * 1e9), int(seconds * 1e9)))


@pytest.mark.parametrize("copied", ["in the other order", "within one second"])
def test_the_second_fit_is_the_newest_after_a_copy_that_rewrote_the_times(two_fits, copied):
    out, first, second = two_fits
    first_best, second_best = (next(p.parent.glob("best-*.ckpt")) for p in (first, second))
    now = 1_800_000_000.0
    # cp -r meeting the second fit's folder first, or an archive (whole seconds) restoring both
    later = 1.0 if copied == "in the other order" else 0.0
    for older, newer in ((second, first), (second_best, first_best)):
        _set_mtime(older, now)
        _set_mtime(newer, now + later)
    # before: the first fit's files (the later mtime), or whichever the folder listed first
    assert find_newest_checkpoint(out) == second
    assert find_own_checkpoint(out) == second
    assert resolve_named_checkpoint("last", out) == second
    assert resolve_named_checkpoint("best", out) == second_best


def test_each_fit_records_when_its_checkpoints_were_saved(two_fits):
    _, first, second = two_fits
    stamps = [torch.load(p, map_location="cpu", weights_only=True)[SAVED_AT_KEY] for p in (first, second)]
    assert all(isinstance(s, int) for s in stamps) and stamps[0] < stamps[1]
    assert [saved_at(p) for p in (first, second)] == stamps


def test_checkpoints_without_a_recorded_time_count_with_their_file_time(tmp_path):
    """A user's checkpoint, one written before the time was recorded, or a file cut short: its mtime."""
    old, stamped, cut = tmp_path / "old.ckpt", tmp_path / "stamped.ckpt", tmp_path / "cut.ckpt"
    torch.save({"epoch": 3}, old)
    torch.save({"epoch": 1, SAVED_AT_KEY: 1_700_000_000 * 10**9}, stamped)
    cut.write_bytes(stamped.read_bytes()[:50])
    _set_mtime(old, 1_750_000_000)
    _set_mtime(cut, 1_600_000_000)
    assert saved_at(old) == 1_750_000_000 * 10**9 and saved_at(cut) == 1_600_000_000 * 10**9
    assert newest_checkpoint([stamped, cut, old]) == old
    _set_mtime(old, 1_650_000_000)
    assert newest_checkpoint([old, cut, stamped]) == stamped
    assert newest_checkpoint([]) is None and newest_checkpoint([cut]) == cut


def test_equal_times_are_decided_by_the_path_not_the_listing_order(tmp_path):
    a, b = tmp_path / "a" / "last.ckpt", tmp_path / "b" / "last.ckpt"
    for path in (b, a):  # created in the other order
        path.parent.mkdir()
        torch.save({SAVED_AT_KEY: 5}, path)
    assert newest_checkpoint([a, b]) == newest_checkpoint([b, a]) == b
