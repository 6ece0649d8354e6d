"""With ``on_bad_file="skip"`` under DDP each process scores its own share of the validation clips and
finds that share's damaged clips alone. Whether the split scored nothing was decided by each from its own
findings: in a sanity check one process raised while the other trained on into its next collective and
hung; after a whole epoch each raised, naming the files of its own share. Every process now decides on the
clips found damaged by any: the same error on each, naming every file, or none.

Two forked processes on gloo (as tests/test_rt34_ddp_rank_alone.py runs them), a collective's timeout of a
few seconds, so a process left alone in one fails the test instead of hanging it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
from torch.utils.data import DistributedSampler

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, index_audio
from tests.gloo_pair import gloo_rank, run_pair
from tests.test_aud36_damaged_validation_file import _damaged_flac

RATE = 16000  # the files are 3 s at 8 kHz: resampled, so each is decoded whole and all of it fails at once
# (files, clip seconds) -> items: x0 x1 x2 y0 y1 y2, process 0 scoring 0 2 4, process 1 1 3 5; or x y z,
# process 0 scoring x z, process 1 y x (the sampler's padding)
SHARES = {"sanity check": ("xy", 1), "whole epoch": ("xyz", 3)}


def _validation_of(folder: Path, rank: int, names: str, clip_seconds: int) -> AudioDataModule:
    """A data module whose validation split is the damaged files ``names`` (x.flac, ...), in clips of
    ``clip_seconds``; rank ``rank`` of 2 processes."""
    files = [folder / f"{name}.flac" for name in names]
    for path in files:
        if not path.exists():
            _damaged_flac(path, "middle")
    module = AudioDataModule(str(folder), RATE, on_bad_file="skip")
    audio, _ = index_audio(files, RATE, on_bad_file="skip")  # the setup's first look: every one kept
    clips = ClipDataset(audio, clip_seconds * RATE, Quantizer("mu-law", 8), "whole", "skip")
    module.datasets = {"val": clips}
    module.trainer = SimpleNamespace(world_size=2, global_rank=rank)
    return module


def score_share(rank: int, folder: str, case: str) -> None:
    with gloo_rank(rank, folder):
        sanity = case == "sanity check"
        module = _validation_of(Path(folder), rank, *SHARES[case])
        val = module.datasets["val"]
        share = list(DistributedSampler(val, num_replicas=2, rank=rank, shuffle=False))  # Lightning's
        for item in share[:2] if sanity else share:  # a sanity check's 2 batches of 1 clip, or all
            val[item]
        try:
            module.check_scored("val", complete=not sanity)
            outcome = "carried on"
        except DataError as err:
            outcome = str(err)
        dist.all_reduce(torch.zeros(1))  # the next collective (the metric sync, the next all-reduce)
        Path(folder, f"rank{rank}").write_text(outcome)


@pytest.mark.timeout(60)
@pytest.mark.filterwarnings("ignore:skipped audio file")
@pytest.mark.parametrize("case", SHARES)
def test_every_process_raises_the_same_error_naming_every_damaged_file(tmp_path, case):
    names, _ = SHARES[case]
    for name in names:
        _damaged_flac(tmp_path / f"{name}.flac", "middle")
    outcomes = run_pair(score_share, tmp_path, case)
    # was: process 1 raised (it found x and y), process 0 carried on (x alone) in the sanity check; after
    # the whole epoch each named the files of its own share (x, z and x, y)
    assert outcomes[0] == outcomes[1], outcomes
    assert f"its {len(names)} file(s) were skipped" in outcomes[0]
    assert all(f"{name}.flac" in outcomes[0] for name in names)


def test_one_process_decides_on_its_own_findings_without_a_collective(tmp_path):
    """Outside DDP (no process group) nothing is exchanged: the error of before, naming the file."""
    module = _validation_of(tmp_path, 0, *SHARES["sanity check"])
    module.trainer = SimpleNamespace(world_size=1, global_rank=0)
    with pytest.warns(UserWarning, match="x.flac"):
        module.datasets["val"][0]
    module.check_scored("val", complete=False)  # y not decoded yet: the sanity check carries on
    with pytest.raises(DataError, match=r"split of .*: its 1 file\(s\) .*\(x.flac\)"):
        module.check_scored("val", complete=True)
