"""With ``on_bad_file="skip"``, a validation file that breaks partway (damaged FLAC frames past the start
the setup reads) was scored on its early clips in the epoch that found it, and left out whole in every
epoch after, so ``val_nll_bits`` changed between epochs over other audio. Each clip is now judged alone:
a clip that fails stays empty in every epoch, the clips that decode are scored in every epoch, and one
warning names the file."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio
from ssm_ts.pipelines.audio.reader import decode_mono

RATE = 8000
CLIP = 2000  # 0.25 s: 12 clips of a 3 s file


def _damaged_flac(path: Path, damage: str) -> Path:
    """A 3 s FLAC cut short at 2/3 of its bytes (``"cut"``: its clips from about 1.5 s fail), or with
    200 bytes zeroed halfway (``"middle"``: a few clips fail, the later ones decode again)."""
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, 3 * RATE)
    whole = path.with_suffix(".whole.flac")
    sf.write(whole, noise, RATE)
    data = bytearray(whole.read_bytes())
    whole.unlink()
    if damage == "cut":
        data = data[: len(data) * 2 // 3]
    else:
        data[len(data) // 2 : len(data) // 2 + 200] = bytes(200)
    path.write_bytes(bytes(data))
    return path


def _epoch(loader) -> torch.Tensor:
    return torch.cat([lengths for _, lengths in loader])


@pytest.mark.parametrize("damage", ["cut", "middle"])
@pytest.mark.parametrize("workers", [0, 2])
def test_every_epoch_scores_the_same_clips_of_a_file_that_breaks_partway(tmp_path, damage, workers):
    path = _damaged_flac(tmp_path / "v_take.flac", damage)
    audio, _ = index_audio([path], RATE, on_bad_file="skip")  # the setup reads its start alone: kept
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="whole", on_bad_file="skip")
    loader = DataLoader(clips, batch_size=3, num_workers=workers, persistent_workers=workers > 0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        epochs = [_epoch(loader) for _ in range(3)]
    assert all(torch.equal(epochs[0], later) for later in epochs[1:])  # epoch 2 scored none of it
    scored = epochs[0] > 0
    assert scored[:4].all() and not scored.all()  # its first second is scored, its damaged clips not
    if damage == "middle":
        assert scored[-1]  # decodes again after the damage
    if workers == 0:  # a worker's warnings print in its own process
        named = [str(w.message) for w in caught if "v_take.flac" in str(w.message)]
        assert len(named) == 1 and "on_bad_file='skip'" in named[0]
        assert "left out of the score, in every epoch" in named[0] and "decode are scored" in named[0]
    assert clips.skipped == {0}


def test_a_damaged_file_at_another_rate_is_left_out_whole_after_one_decode(tmp_path, monkeypatch):
    from ssm_ts.pipelines.audio import datamodule

    path = _damaged_flac(tmp_path / "v_take.flac", "middle")
    audio, _ = index_audio([path], 2 * RATE, on_bad_file="skip")  # resampled: decoded whole, which fails
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="whole", on_bad_file="skip")
    reads = []
    monkeypatch.setattr(
        datamodule, "decode_mono", lambda *args, **kw: reads.append(1) or decode_mono(*args, **kw)
    )
    with pytest.warns(UserWarning, match="v_take.flac .*every clip of it is left out of the score"):
        epochs = [_epoch(DataLoader(clips, batch_size=4)) for _ in range(2)]
    assert len(reads) == 1 and all((lengths == 0).all() for lengths in epochs) and len(epochs[0]) == 24
