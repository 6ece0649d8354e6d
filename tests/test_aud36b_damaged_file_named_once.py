"""With ``on_bad_file="skip"``, a validation file that breaks partway is named in one warning, by its first
clip that fails. Each loader worker warned of the clip it found first (another worker could reach a later
clip of the file first), and under DDP each process warned of the clips of its own share: the file was
named once a process, from different seconds. The waveform task has the files named at each epoch's end,
by rank 0 alone, from the clips any worker or process found."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler

from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, index_audio
from tests.gloo_pair import gloo_rank, run_pair
from tests.test_aud36_damaged_validation_file import _damaged_flac

RATE = 8000  # the file's own: its clips are decoded one by one, and those from 1.5 s fail
CLIP = 2000  # 0.25 s: 12 clips, the 7th (item 6) the first to fail


def _validation_of(folder: Path, rank: int, world_size: int) -> AudioDataModule:
    """A data module whose validation split is take.flac, cut short at 2/3 of its bytes, as the waveform
    task sets it up: its damaged files named at each epoch's end."""
    path = folder / "take.flac"
    if not path.exists():
        _damaged_flac(path, "cut")
    module = AudioDataModule(str(folder), RATE, on_bad_file="skip")
    audio, _ = index_audio([path], RATE, on_bad_file="skip")
    module.datasets = {"val": ClipDataset(audio, CLIP, Quantizer("mu-law", 8), "whole", "skip")}
    module.trainer = SimpleNamespace(world_size=world_size, global_rank=rank)
    module.name_damaged_at_epoch_ends()  # WaveformTask.setup
    return module


def _named(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "take.flac" in str(w.message)]


def score_share(rank: int, folder: str) -> None:
    with gloo_rank(rank, folder):
        module = _validation_of(Path(folder), rank, 2)
        val = module.datasets["val"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for item in DistributedSampler(val, num_replicas=2, rank=rank, shuffle=False):
                val[item]  # process 0 finds items 6, 8, 10 damaged, process 1 items 7, 9, 11
            module.name_found_bad("val")  # WaveformTask's epoch end, every process
        Path(folder, f"rank{rank}").write_text("\n".join(_named(caught)))


@pytest.mark.timeout(60)
def test_rank_zero_alone_names_the_file_from_its_first_failing_clip(tmp_path):
    _damaged_flac(tmp_path / "take.flac", "cut")  # here, not in both processes at once
    named = run_pair(score_share, tmp_path)
    assert named[1] == ""  # was: process 1 named it too, from 1.750 s
    assert named[0].count("take.flac") == 1 and "its clip from 1.500 s is left out" in named[0]


def test_the_first_failing_clip_is_named_though_a_later_one_was_found_first(tmp_path):
    """As with loader workers, one of which reached 2.25 s of the file before another reached 1.5 s."""
    module = _validation_of(tmp_path, 0, 1)
    val = module.datasets["val"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for item in (9, 6, 0):
            val[item]
        assert _named(caught) == []  # not as found
        module.name_found_bad("val")
        module.name_found_bad("val")  # a later epoch's end: named already
    [named] = _named(caught)
    assert "its clip from 1.500 s is left out" in named and "cannot be read" in named


@pytest.mark.parametrize("workers", [0, 2])
def test_a_whole_epoch_through_a_loader_names_it_once(tmp_path, workers):
    module = _validation_of(tmp_path, 0, 1)
    loader = DataLoader(module.datasets["val"], batch_size=3, num_workers=workers)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lengths = torch.cat([n for _, n in loader])
        module.name_found_bad("val")
    assert (lengths[:6] > 0).all() and (lengths[6:] == 0).all()
    [named] = _named(caught)
    assert "its clip from 1.500 s is left out" in named


def test_no_collective_at_epoch_ends_when_bad_files_raise(tmp_path, monkeypatch):
    """``on_bad_file="raise"`` finds no file to name: the processes exchange nothing at each epoch's end."""
    from ssm_ts.pipelines.audio import datamodule

    _damaged_flac(tmp_path / "take.flac", "cut")
    module = AudioDataModule(str(tmp_path), RATE)
    audio, _ = index_audio([tmp_path / "take.flac"], RATE)
    module.datasets = {"val": ClipDataset(audio, CLIP, Quantizer("mu-law", 8), "whole")}
    module.trainer = SimpleNamespace(world_size=2, global_rank=0)
    monkeypatch.setattr(datamodule, "on_any_rank", lambda flags: pytest.fail("a collective"))
    module.name_damaged_at_epoch_ends()
    module.name_found_bad("val")
