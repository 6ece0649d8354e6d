"""A per-column StandardScaler fitted on training rows only, kept as plain JSON numbers.

scikit-learn fits it; the fitted mean and scale are stored (not the pickled estimator) so a saved
model loads anywhere without unpickling, and torch code can apply or invert it on any device.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.preprocessing import StandardScaler

from ssm_ts.errors import DataError


@dataclass(frozen=True)
class ScalerState:
    """Per-column ``mean`` and ``scale`` (std; constant columns get 1) in input-column order."""

    columns: list[str]
    mean: list[float]
    scale: list[float]

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``(..., n_columns)`` original units -> scaled."""
        return (values - np.asarray(self.mean)) / np.asarray(self.scale)

    def inverse(self, values: np.ndarray, n_columns: int | None = None) -> np.ndarray:
        """``(..., n)`` scaled -> original units, for the first ``n`` columns (the targets)."""
        n = values.shape[-1] if n_columns is None else n_columns
        return values * np.asarray(self.scale[:n]) + np.asarray(self.mean[:n])

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "mean": list(self.mean), "scale": list(self.scale)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalerState:
        return cls(
            columns=list(data["columns"]),
            mean=[float(v) for v in data["mean"]],
            scale=[float(v) for v in data["scale"]],
        )


def fit_scaler(train_values: np.ndarray, columns: list[str]) -> ScalerState:
    """Fit on ``train_values (rows, n_columns)`` (the training rows only)."""
    if len(train_values) < 2:
        raise DataError(
            f"cannot fit a scaler on {len(train_values)} training rows; the training split needs at least 2."
        )
    scaler = StandardScaler().fit(train_values)
    return ScalerState(columns=list(columns), mean=scaler.mean_.tolist(), scale=scaler.scale_.tolist())
