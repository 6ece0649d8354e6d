"""User-facing audio outputs: WAV files (written atomically) and a PNG sheet of spectrograms."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from ssm_ts.atomic import atomic_path


def write_wav(path: str | os.PathLike, audio: torch.Tensor | np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio (samples,) in [-1, 1] as 16-bit PCM WAV, atomically."""
    data = np.clip(np.asarray(torch.as_tensor(audio).detach().cpu().float()), -1.0, 1.0)
    path = Path(path)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), data, int(sample_rate), subtype="PCM_16", format="WAV")
    return path


def spectrogram_figure(clips: torch.Tensor, sample_rate: int, titles: list[str] | None = None):
    """A matplotlib figure with one log-power spectrogram per clip; ``clips`` (n, samples) or one
    clip (samples,). Clips too short for the STFT (its centring pad must be shorter than the clip)
    get an empty panel that says so."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    clips = torch.atleast_2d(torch.as_tensor(clips).detach().cpu().float())
    n = clips.shape[0]
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), squeeze=False)
    n_fft = 512 if sample_rate >= 16000 else 256
    n_fft = max(16, min(n_fft, 2 ** int(math.log2(max(clips.shape[1], 16)))))  # very short clips
    window = torch.hann_window(n_fft)
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.axis("off")
            continue
        if clips.shape[1] <= n_fft // 2:
            ax.text(
                0.5, 0.5, f"{clips.shape[1]} samples:\ntoo short for a spectrogram", ha="center", va="center"
            )
            ax.set_title(titles[i] if titles else f"clip {i}", fontsize=8)
            ax.axis("off")
            continue
        spec = torch.stft(clips[i], n_fft, hop_length=n_fft // 4, window=window, return_complex=True).abs()
        db = 20 * torch.log10(spec + 1e-5)
        seconds = clips.shape[1] / sample_rate
        ax.imshow(
            db.numpy(),
            origin="lower",
            aspect="auto",
            extent=(0, seconds, 0, sample_rate / 2000),
            vmin=-80,
            vmax=20,
        )
        ax.set_title(titles[i] if titles else f"clip {i}", fontsize=8)
        ax.set_xlabel("s", fontsize=7)
        ax.set_ylabel("kHz", fontsize=7)
        ax.tick_params(labelsize=6)
    fig.tight_layout()
    return fig


def write_spectrogram_sheet(path: str | os.PathLike, clips: torch.Tensor, sample_rate: int) -> Path:
    """Save :func:`spectrogram_figure` of ``clips`` (n, samples) as a PNG, atomically."""
    import matplotlib.pyplot as plt

    fig = spectrogram_figure(clips, sample_rate)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return path
