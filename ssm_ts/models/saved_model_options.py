"""How each model's options show in its state dict's shapes, for loads that name the option that
differs (:func:`~ssm_ts.core.saved_options.check_options_on_load`). Names that are constructor
options (``d_state``) are offered to build with; the others (``inputs per step``) are described."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import Tensor

from ssm_ts.core.saved_options import Axis, Count, FirstOf, OptionReader, Present, Ratio

# the forecasters' sizes set by the data rather than by an option: the series, covariates and quantiles
_INPUTS = "inputs per step (series or covariates)"
_OUTPUTS = "outputs per step (series x quantiles)"

SPACETIME_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("embedding.weight", 0),
    "d_state": Axis("decoder.k", 1),
    "n_layers": Count("blocks."),
    "mlp_expand": Ratio("blocks.0.mlp.0.weight", 0, "embedding.weight", 0),
    "linear_path": Present("linear.time.weight", anchor="projection.weight"),
    "lookback": Axis("linear.time.weight", 1),
    "longest preprocessing filter (differences, moving_averages)": Axis("blocks.0.preprocess.shift.c", 1),
    _INPUTS: Axis("embedding.weight", 1),
    _OUTPUTS: Axis("projection.weight", 0),
}

S4D_FORECASTER_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("embedding.weight", 0),
    "d_state": Axis("blocks.0.conv.ssm.A_real_raw", 1, scale=2),  # N/2 complex modes are stored
    "n_layers": Count("blocks."),
    "lookback": Axis("time_head.weight", 1),
    "horizon": Axis("time_head.weight", 0),
    "linear_path": Present("linear.time.weight", anchor="feature_head.weight"),
    _INPUTS: Axis("embedding.weight", 1),
    _OUTPUTS: Axis("feature_head.weight", 0),
}

SSM_ENCODER_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("encoder.weight", 0),
    "d_state": Axis("blocks.0.conv.ssm.A_real_raw", 1, scale=2),
    "n_layers": Count("blocks."),
    "n_channels": Axis("encoder.weight", 1),
    "n_classes": Axis("head.weight", 0),
}

S4ND_ENCODER_SHAPES: dict[str, OptionReader] = {
    "d_model": Axis("encoder.weight", 0),
    "d_state": Axis("blocks.0.conv.freq.0.A_real_raw", 1, scale=2),
    "n_layers": Count("blocks."),
    "n_classes": Axis("head.weight", 0),
}


@dataclass(frozen=True)
class SaShiMiPools:
    """SaShiMi's ``pool``: each level's factor, its down-pool's input width over the level's width
    (``body.down``, ``body.inner.down``, ...); ``[]`` for a model without pooling."""

    def __call__(self, state: Mapping[str, Tensor]) -> list[int] | None:
        width = Axis("embedding.weight", 1)(state)
        if width is None:
            return None
        pools, prefix = [], "body."
        while isinstance(weight := state.get(f"{prefix}down.linear.weight"), Tensor) and weight.dim() == 2:
            pools.append(int(weight.shape[1]) // width)
            width, prefix = int(weight.shape[0]), f"{prefix}inner."
        return pools


SASHIMI_SHAPES: dict[str, OptionReader] = {
    "n_classes": Axis("head.weight", 0),
    "d_model": Axis("embedding.weight", 1),
    "n_layers": Count("body.layers.", per=2),  # an SSM block and a feed-forward block each
    "d_state": FirstOf(
        (
            Axis("body.layers.0.conv.ssm.A_real_raw", 1, scale=2),
            Axis("body.layers.0.conv.ssm.log_neg_real", 1, scale=2),
        )
    ),
    "pool": SaShiMiPools(),
    "expand": Ratio("body.down.linear.weight", 0, "embedding.weight", 1),
    "ff_expand": Ratio("body.layers.1.inner.weight", 0, "embedding.weight", 1),
}
SASHIMI_FRONT_END = "through a WaveformGenerator: its preset or model_options"
