"""A training file found damaged as decoded (``on_bad_file="skip"``) was named only at the training epoch's
end in every fit, so that DDP's processes name it once (rank 0, from what all found): one process named
it an epoch (hours) after finding it, and a fit stopped mid-epoch (an error, Ctrl-C) never named it. One
process now names it as found (its loader workers share the record: once); under DDP, what a process
found since the last epoch's end is named when the fit stops. Rank 0's decoding of the failed window
again, for the warning's text, never raises: alone in it under DDP, the others would wait in their next
collective. And every DDP process leaves out from then on a file any found, as the warning says."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, index_audio
from ssm_ts.pipelines.audio import datamodule as audio_datamodule
from tests.test_aud36_damaged_validation_file import RATE, _damaged_flac

CLIP = 2000  # 0.25 s windows of a 3 s file cut short: its windows from about 1.5 s fail to decode


def _training_of(folder: Path, world_size: int, rank: int) -> AudioDataModule:
    """A data module whose training split is take.flac in random windows, as the waveform task's setup
    leaves it (:meth:`AudioDataModule.name_damaged_at_epoch_ends`) in process ``rank`` of ``world_size``."""
    path = _damaged_flac(folder / "take.flac", "cut")
    module = AudioDataModule(str(folder), RATE, on_bad_file="skip")
    audio, _ = index_audio([path], RATE, on_bad_file="skip")
    module.datasets = {"train": ClipDataset(audio, CLIP, Quantizer("mu-law", 8), "random", "skip")}
    module.trainer = SimpleNamespace(world_size=world_size, global_rank=rank)
    module.name_damaged_at_epoch_ends()
    return module


def _find_it(module: AudioDataModule) -> None:
    """The random windows of epochs 0, 1, ... until one fails."""
    train = module.datasets["train"]
    for epoch in range(50):
        train[(0, epoch)]
        if train.found_bad[0]:
            return
    pytest.fail("no window of the damaged file failed")


def _named(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "take.flac" in str(w.message)]


def test_one_process_names_a_damaged_training_file_as_it_finds_it(tmp_path):
    module = _training_of(tmp_path, world_size=1, rank=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _find_it(module)
        [named] = _named(caught)  # was: nothing until the epoch's end
        module.name_found_bad("train")  # the epoch's end: named already
        module.on_exception(KeyboardInterrupt())
    assert _named(caught) == [named]
    assert (
        "cannot be read" in named
        and "an empty clip from then on, in every epoch, weighing nothing: the file is left out" in named
    )


@pytest.fixture
def no_collective(monkeypatch):
    """A stopped fit's processes may be gone: naming what one found must not wait for the others."""
    for name in ("on_any_rank", "largest_on_any_rank"):
        monkeypatch.setattr(audio_datamodule, name, lambda values: pytest.fail("a collective"))


def test_a_ddp_process_stopped_mid_epoch_names_what_it_found(tmp_path, no_collective):
    module = _training_of(tmp_path, world_size=2, rank=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _find_it(module)
        assert _named(caught) == []  # left to rank 0 at the epoch's end
        module.on_exception(RuntimeError("out of memory"))  # was: never named
    [named] = _named(caught)
    assert "cannot be read" in named and "failed to decode in another process" not in named


def test_a_file_rank_0_named_is_not_named_again_when_the_fit_stops(tmp_path, monkeypatch):
    monkeypatch.setattr(audio_datamodule, "on_any_rank", lambda flags: flags)  # as the all-reduce gives
    monkeypatch.setattr(audio_datamodule, "largest_on_any_rank", lambda values: values)
    module = _training_of(tmp_path, world_size=2, rank=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _find_it(module)
        module.name_found_bad("train")  # an epoch's end: rank 0 named it
        module.on_exception(KeyboardInterrupt())
    assert _named(caught) == []


def test_decoding_the_failed_window_again_never_raises(tmp_path, monkeypatch):
    module = _training_of(tmp_path, world_size=1, rank=0)
    train = module.datasets["train"]
    train.found_bad[0], train.bad_starts[0] = True, 16000  # found so by another process
    monkeypatch.setattr(train, "_window", lambda index, start: (_ for _ in ()).throw(MemoryError("2 GB")))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train.name_found()  # was: MemoryError on rank 0 alone
    [named] = _named(caught)
    assert "take.flac cannot be decoded (MemoryError: 2 GB)" in named


def test_every_ddp_process_leaves_out_a_file_another_found(tmp_path, monkeypatch):
    """Rank 0's warning says the file is left out from then on: a process that had not drawn it trained
    on its windows before the damage."""
    module = _training_of(tmp_path, world_size=2, rank=1)
    train = module.datasets["train"]
    found_by_rank_0 = train.found_bad.clone().fill_(True)
    monkeypatch.setattr(audio_datamodule, "on_any_rank", lambda flags: flags | found_by_rank_0)
    monkeypatch.setattr(audio_datamodule, "largest_on_any_rank", lambda values: values.clamp(min=16000))
    module.name_found_bad("train")  # the epoch's end
    assert train._random_start(0, 0, 3 * RATE - CLIP + 1) < 1.5 * RATE - CLIP  # epoch 0's window decodes
    codes, length = train[(0, 0)]
    assert int(length) == 0, "rank 1 trains on a file rank 0 named as left out"
