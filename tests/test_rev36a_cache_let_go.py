"""The files a fit resampled stayed in the process after it (up to 512 MB a Python session, with the
default num_workers=0). Lightning calls the data module's teardown when a fit, validation or test ends,
and it lets them go."""

from __future__ import annotations

import warnings

import numpy as np
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.resampled import RESAMPLED


def test_teardown_lets_the_resampled_files_go(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(10):
        sf.write(tmp_path / f"take{i}.wav", rng.uniform(-0.3, 0.3, 11025), 22050, subtype="PCM_16")
    dm = AudioDataModule(str(tmp_path), sample_rate=16000, clip_seconds=0.25, batch_size=4, split="fractions")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dm.setup("fit")
        next(iter(dm.train_dataloader()))
    assert len(RESAMPLED) > 0 and RESAMPLED.bytes > 0
    dm.teardown("fit")
    assert len(RESAMPLED) == 0 and RESAMPLED.bytes == 0
