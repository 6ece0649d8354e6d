"""Under ``ddp_spawn`` each trainer call starts processes of its own, which set the data module up anew:
an integer PCM file clipped at full scale was named by each DDP rank of the fit, then again by each of
the validation of the best weights after it (4 warnings for one file in a 2-process fit). The clipping
warning now consults the data module's record of the files named (shared memory, received by handle,
as the damaged-file warning does): one warning for the file across every process and call. A file saved
anew is named again, and a file's clipping and its damage are named apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.named_files import NamedFiles
from tests.test_aud36c_named_across_spawned_calls import _validate_in_a_started_process

RATE = 8000


def _clipped(path: Path, gain: float = 2.0) -> None:
    """0.3 s of 200 Hz at ``gain`` times full scale, clipped (16-bit FLAC): most samples in flattened tops."""
    t = np.arange(3 * RATE // 10) / RATE
    sf.write(path, np.clip(gain * np.sin(2 * np.pi * 200 * t), -1, 1), RATE, subtype="PCM_16")


def _folder(folder: Path) -> Path:
    for seed, name in enumerate(("t_a.wav", "t_b.wav", "s_a.wav", "v_good.wav")):
        sf.write(
            folder / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 4), RATE, subtype="PCM_16"
        )
    _clipped(folder / "v_take.flac")  # the name the started process's warnings are read for
    return folder


def test_a_clipped_file_is_named_once_by_the_processes_of_every_call(tmp_path):
    folder = _folder(tmp_path)
    module = AudioDataModule(
        str(folder), RATE, clip_seconds=0.05, split="rule", val_pattern="^v_", test_pattern="^s_"
    )
    # the fit's two ranks, then the validation of the best weights (its two ranks): was 4 warnings
    said = [_validate_in_a_started_process(module) for _ in range(4)]
    assert len(said[0]) == 1 and "v_take.flac is clipped at full scale" in said[0][0], said
    assert said[1:] == [[], [], []]
    # a file saved anew (another take, as loud) is another: named again
    (folder / "v_take.flac").unlink()
    _clipped(folder / "v_take.flac", gain=3.0)
    assert len(_validate_in_a_started_process(module)) == 1


def test_a_files_clipping_and_its_damage_are_recorded_apart(tmp_path):
    path = tmp_path / "take.wav"
    _clipped(path)
    named = NamedFiles()
    assert named.first_time(path, "clipped") and not named.first_time(path, "clipped")
    assert named.first_time(path) and not named.first_time(path, "damaged")  # the damaged-file warning's
