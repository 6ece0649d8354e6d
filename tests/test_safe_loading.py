"""Checkpoints and exports never unpickle arbitrary objects: a crafted pickle is refused, not run."""

from __future__ import annotations

import pickle

import pytest
import torch

from ssm_ts.errors import CheckpointError
from ssm_ts.export import load_checkpoint


class Exploit:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_crafted_pickle_checkpoint_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    ckpt = tmp_path / "evil.ckpt"
    with open(ckpt, "wb") as f:
        pickle.dump({"state_dict": {}, "payload": Exploit(marker)}, f)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(ckpt)
    assert not marker.exists()


def test_real_checkpoint_loads_and_bad_paths_are_clear(tmp_path):
    good = tmp_path / "good.ckpt"
    torch.save({"state_dict": {"w": torch.ones(2)}, "epoch": 3}, good)
    assert load_checkpoint(good)["epoch"] == 3
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.ckpt")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(good.read_bytes()[:20])
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(truncated)
