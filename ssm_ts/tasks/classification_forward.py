"""The forward pass of a :class:`~ssm_ts.tasks.classification.ClassificationTask`: original-unit
recordings scaled by the training split's per-channel scaler (kept in the task's buffers), then the
encoder's logits or class probabilities."""

from __future__ import annotations

import torch

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import ChannelScaler, transposed_hint
from ssm_ts.wording import counted


class ClassificationForward:
    """``ClassificationTask`` mix-in (list it before ``pl.LightningModule``): the scaler and the forward
    pass. The task registers the buffers ``scaler_mean``, ``scaler_scale`` and ``scaler_fitted``
    ``(n_channels,)`` in ``_build`` and provides ``_require_net``."""

    def set_scaler(self, scaler: ChannelScaler) -> None:
        """Store the training-split per-channel scaler with the weights."""
        if len(scaler.mean) != self.hparams.n_channels:
            raise DataError(
                f"the scaler has {counted(len(scaler.mean), 'channel')} but the model takes {self.hparams.n_channels}"
            )
        self.scaler_mean.copy_(torch.tensor(scaler.mean, dtype=torch.float64))
        self.scaler_scale.copy_(torch.tensor(scaler.scale, dtype=torch.float64))
        self.scaler_fitted.fill_(True)

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, length, channels)`` original (float64) -> scaled, in the model's dtype (padding
        stays zero after masking)."""
        # scaled in float64 and only then cast, as SSMClassifier(method="random_features") does:
        # rounding raw values to float32 first flipped threshold (PPV) features, and probabilities
        # of the CLI and the API differed by up to 0.004 for the same kernels
        return ((x.double() - self.scaler_mean) / self.scaler_scale).to(self.dtype)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Original-unit ``x (batch, length, channels)``, ``mask (batch, length)`` -> logits ``(batch, n_classes)``."""
        net = self._require_net()
        if x.dim() != 3 or x.shape[-1] != self.hparams.n_channels:
            # checked here: the per-channel scaler would broadcast 1 channel over all of them silently
            found = counted(x.shape[-1], "channel") if x.dim() == 3 else f"shape {tuple(x.shape)} (not 3-D)"
            lengths = []  # each recording's steps, for the transposed-layout hint
            if x.dim() == 3:
                lengths = [x.shape[1]] * len(x) if mask is None else mask.sum(dim=1).tolist()
            raise DataError(
                f"X has {found} but the classifier was fitted on {self.hparams.n_channels}; "
                "give recordings (channels, length) with the training channels, in the training order"
                + (f" {self.hparams.channel_names}." if self.hparams.get("channel_names") else ".")
                + transposed_hint(lengths, self.hparams.n_channels)
            )
        scaled = self.scale_inputs(x)
        if mask is not None:
            scaled = scaled * mask.unsqueeze(-1).to(scaled.dtype)
        return net(scaled, mask, rate=self.hparams.rate)

    def predict_proba(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Class probabilities ``(batch, n_classes)`` float64, on the CPU, of original-unit ``x (batch,
        length, channels)``: the softmax of the logits in float64 (scikit-learn's dtype; a float32
        softmax is off by up to ~1e-7 and its rows sum to 1 only within that). On the CPU as MPS
        has no float64; every caller takes the probabilities there."""
        return torch.softmax(self(x, mask).to("cpu", torch.float64), dim=-1)

    def predict_proba_and_log(
        self, x: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`predict_proba` and the log-softmax of the same float64 logits ``(batch, n_classes)``,
        from one forward pass: the log stays finite where a probability underflows to 0."""
        logits = self(x, mask).to("cpu", torch.float64)
        return torch.softmax(logits, dim=-1), torch.log_softmax(logits, dim=-1)
