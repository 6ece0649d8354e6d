"""The features of :class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`: each kernel's
response to a recording pooled over the recording's real steps into a few numbers (ROCKET's PPV and
max, MultiRocket's MPV and MIPV)."""

from __future__ import annotations

import torch
from torch import Tensor

POOLINGS = ("ppv", "max", "mpv", "mipv")


def pool_responses(
    y: Tensor, thresholds: Tensor, valid: Tensor, lengths: Tensor, pooling: tuple[str, ...]
) -> list[Tensor]:
    """Pool responses ``y`` ``(n, k, length)`` over real steps (``valid``) into ``(n, k)`` per pooling."""
    above = (y > thresholds) & valid
    # int32 counts are exact (lengths < 2**31) and several times faster than a bool sum (int64)
    n_above = above.sum(-1, dtype=torch.int32)
    steps = valid.sum(-1, dtype=torch.int32).clamp(min=1).to(y.dtype)
    pooled = {
        "ppv": lambda: n_above / steps,
        "max": lambda: y.masked_fill(~valid, -torch.inf).amax(-1),
        "mpv": lambda: ((y - thresholds) * above).sum(-1) / n_above.clamp(min=1),
        "mipv": lambda: (
            (above * torch.arange(y.shape[-1], dtype=y.dtype, device=y.device)).sum(-1)
            / n_above.clamp(min=1)
            / steps
        ),
    }
    return [pooled[name]() for name in pooling]
