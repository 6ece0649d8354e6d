"""What a researcher reads off an audio fit: the progress bar shows ``val_nll_bits`` (bits per sample,
SaShiMi's unit) beside ``val_loss`` (nats), which it showed alone, unnamed in unit; and the fit's line
lists a folder's source rates in order of rate (as text, "8000 Hz" came after "48000 Hz")."""

from __future__ import annotations

import math

import pytest
import torch

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.writing import write_wav
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.training import build_trainer

pytestmark = pytest.mark.usefixtures("single_thread")


def _folder(tmp_path, rates):
    for i, rate in enumerate(rates):
        noise = torch.rand(rate // 50, generator=torch.Generator().manual_seed(i)) * 1.6 - 0.8
        write_wav(tmp_path / f"take{i}.wav", noise, rate)
    return tmp_path


def test_the_progress_bar_shows_validation_nll_in_bits(tmp_path):
    data = AudioDataModule(str(_folder(tmp_path / "wavs", [8000] * 3)), 8000, clip_seconds=0.02,
                           split="fractions", fractions=(0.34, 0.33, 0.33))  # fmt: skip
    task = WaveformTask(preset="tiny", sample_rate=8000)
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path / "out", enable_progress_bar=False)
    trainer.validate(task, datamodule=data, verbose=False)
    shown = trainer.progress_bar_metrics
    assert set(shown) >= {"val_loss", "val_nll_bits"}
    assert shown["val_nll_bits"] == pytest.approx(shown["val_loss"] / math.log(2), rel=1e-5)


def test_the_source_rates_are_listed_in_order_of_rate(tmp_path):
    data = AudioDataModule(str(_folder(tmp_path, [48000, 8000, 16000, 8000])), 16000, clip_seconds=0.02,
                           split="fractions", fractions=(0.5, 0.25, 0.25))  # fmt: skip
    data.setup()
    assert data.source_summary()["source_rates"] == "8000 Hz: 2, 16000 Hz: 1, 48000 Hz: 1"
    assert "(8000 Hz: 2, 16000 Hz: 1, 48000 Hz: 1; mono: 4)" in data.describe_sources()
