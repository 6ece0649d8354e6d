"""Review of the fit lock (ssm_ts/training/fit_lock.py): a lock file whose record cannot be written (a
full disk, a quota) was left behind empty, so every fit into that folder for the next seconds was refused
as 'process ? on ? holds it' and the file stayed until the next fit took it as stale."""

from __future__ import annotations

import pytest

from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME, hold_fit_lock, release_fit_lock


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_a_lock_whose_record_cannot_be_written_is_not_left_behind(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fit_lock.json, "dump", full_disk)
    with pytest.raises(OSError, match="No space"):
        hold_fit_lock(tmp_path, "the fit")
    assert not (tmp_path / LOCK_NAME).exists()
    monkeypatch.undo()
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert hold_fit_lock(tmp_path, "the fit")  # the next fit takes the folder at once
    release_fit_lock(tmp_path)
    assert not (tmp_path / LOCK_NAME).exists()
