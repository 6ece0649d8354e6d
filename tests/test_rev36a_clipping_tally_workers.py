"""The clipped-PCM tally runs for every clip the loader decodes, so it keeps its counts through NumPy
views of its shared tensors (indexing a tensor cost 136 us a 1 s clip, 17 us now). The counts data
loader workers add must still land in the memory the main process reads, and the file is named once."""

from __future__ import annotations

import numpy as np
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio


def test_counts_added_in_loader_workers_are_seen_by_the_main_process(tmp_path):
    rng = np.random.default_rng(0)
    quiet = rng.uniform(-0.3, 0.3, 8000)
    loud = np.clip(quiet * 8, -1, 1)  # flattened at full scale in long runs
    sf.write(tmp_path / "a_quiet.wav", quiet, 8000, subtype="PCM_16")
    sf.write(tmp_path / "b_loud.wav", loud, 8000, subtype="PCM_16")
    audio, _ = index_audio(sorted(tmp_path.glob("*.wav")), 8000)
    clips = ClipDataset(audio, 1000, Quantizer("mu-law", 8), crop="whole")
    batches = list(DataLoader(clips, batch_size=2, num_workers=2))
    assert sum(int(length.sum()) for _, length in batches) == 16000
    tally = audio.clipping
    assert tally.named.tolist() == [False, True]  # named by a worker, seen here
    clipped, read = tally.counts[1].tolist()
    assert read >= 1000 and clipped > 0.001 * read  # counted up to the clip that named it
    quiet_clipped, quiet_read = tally.counts[0].tolist()
    assert quiet_clipped == 0 and quiet_read == 8000  # every clip of it, from both workers
    assert float(tally.seconds[0]) == 1.0


def test_the_run_count_takes_tensors_and_arrays_alike():
    from ssm_ts.pipelines.audio.clipped_pcm import samples_in_full_scale_runs

    wave = [0.0, 1.0, 1.0, 1.0, 0.0, -1.0, -1.0, 0.5, -1.0, -1.0, -1.0, -1.0]
    level = 32767 / 32768
    assert samples_in_full_scale_runs(torch.tensor(wave), level) == 7
    assert samples_in_full_scale_runs(np.array(wave, dtype=np.float64), level) == 7
    assert samples_in_full_scale_runs(torch.tensor(wave[:2]), level) == 0
