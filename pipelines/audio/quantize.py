"""Waveform <-> integer codes: 8-bit mu-law (torchaudio) or linear quantisation.

Codes are what the waveform model predicts: ``n_classes`` categories, ``0 .. n_classes - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torchaudio.functional as AF

from ssm_ts.errors import ConfigError
from ssm_ts.whole_numbers import is_whole_number

QUANTIZATIONS = ("mu-law", "linear")


@dataclass(frozen=True)
class Quantizer:
    """``encode`` float audio in [-1, 1] -> long codes; ``decode`` codes -> float audio.

    Args:
        method: ``"mu-law"`` (companded, as WaveNet and SaShiMi) or ``"linear"``.
        bits: code width; ``2 ** bits`` classes.
    """

    method: Literal["mu-law", "linear"] = "mu-law"
    bits: int = 8

    def __post_init__(self) -> None:
        if self.method not in QUANTIZATIONS:
            raise ConfigError(f"unknown quantization {self.method!r}; expected one of {QUANTIZATIONS}")
        if not is_whole_number(self.bits) or not 1 <= self.bits <= 16:  # 8.0 made 256.0 classes
            raise ConfigError(f"quantization bits must be a whole number between 1 and 16, got {self.bits!r}")

    @property
    def n_classes(self) -> int:
        return 2**self.bits

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        """Float (...) in [-1, 1] -> long codes (...)."""
        audio = audio.clamp(-1.0, 1.0)
        if self.method == "mu-law":
            return AF.mu_law_encoding(audio, self.n_classes).long()
        return ((audio + 1.0) / 2.0 * (self.n_classes - 1)).round().long()

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """Long codes (...) -> float32 audio (...) in [-1, 1]."""
        if self.method == "mu-law":
            return AF.mu_law_decoding(codes.long(), self.n_classes).float()
        return codes.float() / (self.n_classes - 1) * 2.0 - 1.0

    def bin_edges(self) -> torch.Tensor:
        """The ``n_classes - 1`` float64 audio values where the code steps up: code ``c`` covers
        ``[edges[c - 1], edges[c])`` (the outer codes run on to -1 and 1)."""
        mu = self.n_classes - 1
        steps = (torch.arange(mu, dtype=torch.float64) + 0.5) / mu * 2.0 - 1.0  # codes are rounded
        if self.method == "linear":
            return steps
        return torch.sign(steps) * torch.expm1(steps.abs() * torch.log1p(torch.tensor(float(mu)))) / mu

    def noise_entropy_bits(self, clean: torch.Tensor, noise_rms: float) -> float:
        """Mean entropy (bits per sample) of the codes of ``clean (...) + N(0, noise_rms^2)``: what
        independent Gaussian noise alone costs a model that knows the clean audio exactly."""
        from torch.distributions import Normal

        inf = torch.tensor([torch.inf], dtype=torch.float64)
        cut = torch.cat([-inf, self.bin_edges(), inf])
        s = clean.reshape(-1, 1).double()
        p = torch.diff(Normal(0.0, noise_rms).cdf(cut[None, :] - s), dim=1)
        return float(-(p * torch.log2(p.clamp(min=1e-300))).sum() / s.shape[0])

    @property
    def silence(self) -> int:
        """The code of 0.0 (used to pad clips and as the first input when generating)."""
        return int(self.encode(torch.zeros(1))[0])
