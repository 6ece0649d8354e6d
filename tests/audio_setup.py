"""Test helper: a data module of one-second clips over a small audio folder, to read its setup warnings."""

from __future__ import annotations

from pathlib import Path

from ssm_ts.pipelines.audio import AudioDataModule


def one_second_clips(folder: Path, sample_rate: int) -> AudioDataModule:
    """``AudioDataModule(folder)`` of 1 s clips at ``sample_rate``, its files split 0.5 / 0.25 / 0.25."""
    return AudioDataModule(
        str(folder), sample_rate, clip_seconds=1.0, split="fractions", fractions=(0.5, 0.25, 0.25)
    )
