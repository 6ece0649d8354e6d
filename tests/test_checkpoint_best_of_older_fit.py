"""``--ckpt_path best`` takes the newest ``best-*.ckpt`` under ``--out``. After a fit that never validated
(a smoke fit's ``max_steps``), written into an ``--out`` that holds an older full fit, that is the older
fit's, which a user who just fitted does not expect: it was taken without a word. A warning now names it
and ``--ckpt_path last``."""

from __future__ import annotations

import warnings

import pytest
import torch

from ssm_ts.checkpoint_times import SAVED_AT_KEY
from ssm_ts.training import resolve_named_checkpoint


def write(path, saved_at: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({SAVED_AT_KEY: saved_at, "global_step": 1, "epoch": 0}, path)


@pytest.fixture
def older_full_fit(tmp_path):
    out = tmp_path / "out"
    write(out / "fits" / "full" / "checkpoints" / "best-epoch=0.ckpt", 1)
    write(out / "fits" / "full" / "checkpoints" / "last.ckpt", 2)
    return out


def test_best_of_an_older_fit_after_one_that_never_validated_warns(older_full_fit):
    write(older_full_fit / "fits" / "smoke" / "checkpoints" / "last.ckpt", 3)
    with pytest.warns(UserWarning, match="an older fit's") as caught:
        found = resolve_named_checkpoint("best", older_full_fit)
    assert found.parent.parent.name == "full"  # still taken: it is the newest best
    assert "Pass --ckpt_path last" in str(caught[0].message)
    assert "smoke" in str(caught[0].message)


def test_best_of_the_newest_fit_says_nothing(older_full_fit):
    write(older_full_fit / "fits" / "second" / "checkpoints" / "best-epoch=0.ckpt", 3)
    write(older_full_fit / "fits" / "second" / "checkpoints" / "last.ckpt", 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = resolve_named_checkpoint("best", older_full_fit)
    assert found.parent.parent.name == "second"


def test_the_warning_shows_on_global_rank_zero_only(older_full_fit, monkeypatch):
    """Under DDP every process resolves ``--ckpt_path best`` (``ddp`` runs the command again in each)."""
    from lightning.fabric.utilities.rank_zero import rank_zero_only

    write(older_full_fit / "fits" / "smoke" / "checkpoints" / "last.ckpt", 3)
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert resolve_named_checkpoint("best", older_full_fit).parent.parent.name == "full"
