"""Under DDP, Lightning puts a ``DistributedSampler`` of its own in the audio validation and test loaders,
which pads a split whose clips do not divide among the processes with repeats of its first clips: those
were scored twice in ``val_nll_bits`` / ``test_nll_bits`` (and read twice by the clipping check). The data
module now gives those loaders a sampler of its own, which Lightning keeps: each clip is scored once, and
a process short of a clip takes an empty one (length 0: it weighs nothing), so that every process runs as
many batches (a process with none skipped the epoch's end, where the others wait for it)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from lightning.pytorch.trainer.connectors.data_connector import _get_distributed_sampler
from lightning.pytorch.trainer.states import RunningStage
from torch.utils.data import DistributedSampler

from ssm_ts.pipelines.audio import AudioDataModule

RATE = 8000


@pytest.fixture
def folder(tmp_path):
    for seed, (name, seconds) in enumerate(
        (("t_a.wav", 0.5), ("t_b.wav", 0.5), ("s_a.wav", 0.5), ("v_a.wav", 0.6))
    ):
        sf.write(tmp_path / name, np.random.default_rng(seed).uniform(-0.5, 0.5, int(seconds * RATE)), RATE)
    return tmp_path  # validation: 0.6 s, three clips of 0.25 s (the last one 0.1 s, padded)


def _as_lightning_loads(module: AudioDataModule, rank: int, world_size: int = 2) -> list[tuple[int, int]]:
    """The validation items rank ``rank`` scores, as Lightning's data connector sets its loader up under
    DDP (its own sampler unless the loader has a ``DistributedSampler``): ``(item, real samples)``."""
    module.trainer = SimpleNamespace(world_size=world_size, global_rank=rank, ckpt_path=None)
    loader = module.val_dataloader()
    sampler = loader.sampler
    if not isinstance(sampler, DistributedSampler):
        sampler = _get_distributed_sampler(
            loader,
            shuffle=False,
            overfit_batches=0,
            mode=RunningStage.VALIDATING,
            num_replicas=world_size,
            rank=rank,
        )
    return [(item, int(loader.dataset[item][1])) for item in sampler]


def test_each_validation_clip_is_scored_once_over_the_processes(folder):
    module = AudioDataModule(
        str(folder), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    module.setup("fit")
    clips = module.datasets["val"]
    assert len(clips) == 3
    whole = [int(clips[i][1]) for i in range(len(clips))]  # one process: 2000, 2000, 800 samples
    ranks = [_as_lightning_loads(module, rank) for rank in range(2)]
    assert len(ranks[0]) == len(ranks[1]) == 2  # as many batches on each process
    scored = [item for rank in ranks for item, length in rank if length]
    assert sorted(scored) == [0, 1, 2]  # was [0, 0, 1, 2]: the first clip scored twice
    assert sum(length for rank in ranks for _, length in rank) == sum(whole) == int(0.6 * RATE)


def test_predict_generates_one_clip_a_test_file_over_the_processes(folder):
    """Predict's loader keeps Lightning's sampler, which takes each item once and pads nothing: an empty
    item there would generate a clip of its own."""
    for seed, name in enumerate(("s_b.wav", "s_c.wav")):  # three test files: two for rank 0, one for rank 1
        sf.write(folder / name, np.random.default_rng(10 + seed).uniform(-0.5, 0.5, RATE // 2), RATE)
    module = AudioDataModule(
        str(folder), RATE, clip_seconds=0.25, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    module.setup("predict")
    items = []
    for rank in range(2):
        module.trainer = SimpleNamespace(world_size=2, global_rank=rank, ckpt_path=None)
        loader = module.predict_dataloader()
        assert not isinstance(loader.sampler, DistributedSampler)  # Lightning puts its own
        sampler = _get_distributed_sampler(
            loader, shuffle=False, overfit_batches=0, mode=RunningStage.PREDICTING, num_replicas=2, rank=rank
        )
        items += list(sampler)
    assert sorted(items) == [0, 1, 2]  # each test file's start, once
