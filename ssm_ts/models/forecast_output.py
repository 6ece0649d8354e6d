"""The output every forecaster returns: the horizon forecast and an optional auxiliary loss."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass
class ForecastOutput:
    """What a forecaster's ``forward`` returns.

    Attributes:
        prediction: (batch, horizon, n_outputs, n_quantiles) forecast in the scaled space of the input.
        aux_loss: scalar tensor of model-specific training terms, already weighted (e.g. SpaceTime's
            lookback fit and next-input terms), or ``None``. Add it to the forecast loss when training.
    """

    prediction: Tensor
    aux_loss: Tensor | None = None
