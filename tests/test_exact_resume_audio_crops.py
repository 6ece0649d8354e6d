"""Audio's random training crops and order depend on ``(seed, epoch)`` alone: the same in a fresh data
module (a resumed fit builds one) and in loader workers, another window each epoch; a plain index keeps
drawing from torch's global generator."""

from __future__ import annotations

import torch
from lightning.fabric.utilities.data import _set_sampler_epoch

from ssm_ts.pipelines.audio import AudioDataModule


def epoch_batches(root: str, epoch: int, num_workers: int = 0) -> list[torch.Tensor]:
    module = AudioDataModule(root, 16000, clip_seconds=0.05, crop="random", max_files_per_split=8,
                             batch_size=4, num_workers=num_workers, seed=3)  # fmt: skip
    loader = module.train_dataloader()
    _set_sampler_epoch(loader, epoch)  # as Lightning does before every epoch
    return [codes for codes, _ in loader]


def test_random_crops_and_order_are_those_of_seed_and_epoch_in_workers_too(shared_data):
    root = str(shared_data / "audio" / "espeak-digits")
    torch.manual_seed(0)
    first = epoch_batches(root, 1)
    torch.manual_seed(1)  # another global state (a resumed process): the same clips
    again = epoch_batches(root, 1)
    workers = epoch_batches(root, 1, num_workers=2)
    other_epoch = epoch_batches(root, 2)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(first, workers, strict=True))
    assert not torch.equal(torch.cat(first), torch.cat(other_epoch))
    # another epoch crops the same file elsewhere: compare clips sorted by content
    assert {c.tolist().__repr__() for c in torch.cat(first)} != {
        c.tolist().__repr__() for c in torch.cat(other_epoch)
    }


def test_a_plain_index_draws_a_fresh_random_window(shared_data):
    module = AudioDataModule(str(shared_data / "audio" / "espeak-digits"), 16000, clip_seconds=0.05,
                             crop="random", max_files_per_split=8)  # fmt: skip
    module.setup()
    clips = module.datasets["train"]
    windows = {tuple(clips[0][0][:50].tolist()) for _ in range(5)}
    assert len(windows) > 1
    assert torch.equal(clips[0, 4][0], clips[0, 4][0]) and not torch.equal(clips[0, 4][0], clips[0, 5][0])
