"""SaShiMi (Goel et al. 2022, "It's Raw! Audio Generation with State-Space Models").

A causal multi-scale U-Net over quantised audio: the top level runs at the sample rate with width
``d_model``; each pooling factor folds time by that factor and widens by ``expand``. Every level
holds ``n_layers`` pairs of (SSM block, feed-forward block); levels are joined by skip connections,
and up-pooling is shifted one coarse step so the whole network stays causal. With S4D (the
default) the recurrent step is exact, so generation costs constant time and memory per sample.

Shapes: ``forward(codes (B, L) long) -> logits (B, L, n_classes)``, where logits at ``t`` depend on
codes ``<= t`` (the caller shifts inputs by one for next-sample prediction). ``default_state(B)``
and ``step(code (B,), state) -> (logits (B, n_classes), state)`` run the same network one sample
at a time.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.core import SSMBlock
from ssm_ts.core.saved_options import check_options_on_load
from ssm_ts.errors import ConfigError
from ssm_ts.models.pooling import DownPool, UpPool
from ssm_ts.models.saved_model_options import SASHIMI_FRONT_END, SASHIMI_SHAPES
from ssm_ts.whole_numbers import is_whole_number


@dataclass
class SaShiMiConfig:
    """Architecture settings; the defaults are the published SC09 model (d_model 64, 8 layers, N 64)."""

    n_classes: int = 256
    d_model: int = 64
    n_layers: int = 8
    pool: list[int] = field(default_factory=lambda: [4, 4])
    expand: int = 2
    ff_expand: int = 2
    ssm: str = "diagonal"
    d_state: int = 64
    ssm_options: dict[str, Any] = field(default_factory=dict)
    dropout: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


PRESETS: dict[str, dict[str, Any]] = {
    "sc09": {},
    "small": {"d_model": 32, "n_layers": 2, "d_state": 32},
    "tiny": {"d_model": 8, "n_layers": 1, "d_state": 4},
}


def sashimi_config(preset: str = "sc09", **overrides: Any) -> SaShiMiConfig:
    """A :class:`SaShiMiConfig` from a preset (``"sc09"``, ``"small"``, ``"tiny"``) plus overrides."""
    if preset not in PRESETS:
        raise ConfigError(f"unknown SaShiMi preset {preset!r}; expected one of {sorted(PRESETS)}")
    settings = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
    valid = set(SaShiMiConfig.__dataclass_fields__)
    unknown = sorted(set(settings) - valid)
    if unknown:
        raise ConfigError(f"SaShiMi does not take option(s) {unknown}; valid options: {sorted(valid)}")
    return SaShiMiConfig(**settings)


class FeedForwardBlock(nn.Module):
    """Residual position-wise MLP: ``x + W2 gelu(W1 layernorm(x))``; (..., H) -> (..., H)."""

    def __init__(self, d_model: int, expand: int = 2, dropout: float = 0.0):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.inner = nn.Linear(d_model, d_model * expand)
        self.outer = nn.Linear(d_model * expand, d_model)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.dropout(self.outer(self.dropout(F.gelu(self.inner(self.norm(x))))))


class SaShiMiLevel(nn.Module):
    """One resolution of the U-Net: (down-pool -> inner level -> up-pool + skip) -> blocks, with a residual.

    ``h = x + up(inner(down(x)))`` (``h = x`` at the centre), ``out = h + blocks(h)``.
    """

    def __init__(self, cfg: SaShiMiConfig, d_model: int, pools: list[int]):
        super().__init__()
        self.d_model = d_model
        if pools:
            wider = d_model * cfg.expand
            self.down = DownPool(d_model, wider, pools[0])
            self.inner = SaShiMiLevel(cfg, wider, pools[1:])
            self.up = UpPool(wider, d_model, pools[0])
        else:
            self.down = self.inner = self.up = None
        layers: list[nn.Module] = []
        for _ in range(cfg.n_layers):
            layers.append(
                SSMBlock(
                    d_model=d_model,
                    ssm=cfg.ssm,
                    d_state=cfg.d_state,
                    ssm_options=dict(cfg.ssm_options),
                    dropout=cfg.dropout,
                )
            )
            layers.append(FeedForwardBlock(d_model, cfg.ff_expand, cfg.dropout))
        self.layers = nn.ModuleList(layers)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (B, L, H) -> (B, L, H); L divisible by the product of the remaining pools."""
        h = x if self.down is None else x + self.up(self.inner(self.down(x)))
        y = h
        for layer in self.layers:
            y = layer(y)
        return h + y

    def default_state(self, batch: int) -> dict[str, Any]:
        state: dict[str, Any] = {
            "layers": [
                layer.default_state(batch) if isinstance(layer, SSMBlock) else None for layer in self.layers
            ]
        }
        if self.down is not None:
            state.update(
                down=self.down.default_state(batch),
                up=self.up.default_state(batch),
                inner=self.inner.default_state(batch),
            )
        return state

    def step(self, x: Tensor, state: dict[str, Any], t: int) -> Tensor:
        """``x`` (B, H) of this level's step ``t`` -> (B, H); updates ``state`` in place."""
        if self.down is None:
            h = x
        else:
            h = x + self.up.read(state["up"], t)  # read before a new coarse output refills the window
            coarse = self.down.step(x, state["down"], t)
            if coarse is not None:
                inner_out = self.inner.step(coarse, state["inner"], t // self.down.factor)
                self.up.refill(inner_out, state["up"])
        y = h
        layer_states = state["layers"]
        for i, layer in enumerate(self.layers):
            if isinstance(layer, SSMBlock):
                y, layer_states[i] = layer.step(y, layer_states[i])
            else:
                y = layer(y)
        return h + y


def _is_whole(value: Any, least: int) -> bool:
    return is_whole_number(value) and value >= least


def _check_sizes(**sizes: tuple[Any, int]) -> None:
    """Each ``name=(value, least)`` a whole number >= ``least`` (NumPy's too), checked before torch sees
    it: a ``d_model`` of 8.0 was ``torch.empty``'s "type must be tuple of ints" deep in the network."""
    for name, (value, least) in sizes.items():
        if not _is_whole(value, least):
            raise ConfigError(f"SaShiMi option {name} must be a whole number >= {least}, got {value!r}")


def _checked_pool(pool: Any) -> list[int]:
    """``pool`` as a list of whole pooling factors >= 1 (a list or tuple of them)."""
    if not isinstance(pool, (list, tuple)) or not all(_is_whole(p, 1) for p in pool):
        raise ConfigError(
            "SaShiMi option pool must be a list of whole numbers >= 1 (the pooling factor of each level "
            f"below the top, such as [4, 4], [4] or [] for none), got {pool!r}"
        )
    return [int(p) for p in pool]


class SaShiMi(nn.Module):
    """Causal multi-scale SSM U-Net over ``n_classes`` quantised amplitudes.

    Args: see :class:`SaShiMiConfig` (``n_classes``, ``d_model``, ``n_layers``, ``pool``, ``expand``,
    ``ff_expand``, ``ssm`` (``"diagonal"`` S4D or ``"dplr"`` S4), ``d_state``, ``ssm_options``, ``dropout``).
    """

    def __init__(
        self,
        n_classes: int = 256,
        d_model: int = 64,
        n_layers: int = 8,
        pool: list[int] | None = None,
        expand: int = 2,
        ff_expand: int = 2,
        ssm: str = "diagonal",
        d_state: int = 64,
        ssm_options: dict[str, Any] | None = None,
        dropout: float = 0.0,
    ):
        super().__init__()
        pool = [4, 4] if pool is None else _checked_pool(pool)
        _check_sizes(n_classes=(n_classes, 2), d_model=(d_model, 1), n_layers=(n_layers, 1), expand=(expand, 1),
                     ff_expand=(ff_expand, 1))  # fmt: skip
        n_classes, d_model, n_layers, expand, ff_expand = map(
            int, (n_classes, d_model, n_layers, expand, ff_expand)
        )
        self.config = SaShiMiConfig(
            n_classes,
            d_model,
            n_layers,
            pool,
            expand,
            ff_expand,
            ssm,
            d_state,
            dict(ssm_options or {}),
            dropout,
        )
        self.n_classes, self.d_model = n_classes, d_model
        self.total_pool = math.prod(pool)
        self.embedding = nn.Embedding(n_classes, d_model)
        self.body = SaShiMiLevel(self.config, d_model, pool)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)
        check_options_on_load(self, SASHIMI_SHAPES, SASHIMI_FRONT_END)  # other options' weights name them

    @classmethod
    def from_config(cls, cfg: SaShiMiConfig) -> SaShiMi:
        return cls(**cfg.to_dict())

    def forward(self, codes: Tensor) -> Tensor:
        """``codes`` (B, L) long -> logits (B, L, n_classes); any L (padded internally, causally)."""
        L = codes.shape[1]
        x = self.embedding(codes)
        pad = (-L) % self.total_pool
        if pad:
            x = F.pad(x, (0, 0, 0, pad))  # padding at the end cannot influence earlier outputs
        y = self.body(x)[:, :L]
        return self.head(self.norm(y))

    def default_state(self, batch: int) -> dict[str, Any]:
        """The zero state for ``batch`` sequences (step counter, pooling buffers, SSM states)."""
        return {"t": 0, "body": self.body.default_state(batch)}

    def step(self, code: Tensor, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any]]:
        """``code`` (B,) long -> ``(logits (B, n_classes), state)``; equals ``forward`` in eval mode."""
        y = self.body.step(self.embedding(code), state["body"], state["t"])
        state["t"] += 1
        return self.head(self.norm(y)), state
