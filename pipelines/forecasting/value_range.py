"""Values the model cannot compute with, refused before it sees them: beyond float32's range, or so
far from the training rows' mean that they overflow once scaled (a code for a missing reading such
as 9.9e37, or a unit mistake). One vectorised pass over a frame's input columns.

Without the check, such a value reaches the network and fails deep inside it ("x holds NaN/inf ...
a layer before this one overflowed"), naming no column or time, or gives forecasts of 1e28.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .feature_origin import own_covariate
from .scaler import ScalerState
from .series import SeriesSpec
from .series_ids import shown_ids

FLOAT32_MAX = float(np.finfo(np.float32).max)  # about 3.4e38: the model computes in float32
# Scaled inputs this many training standard deviations from the training mean are refused. The
# float32 layers square their activations (norms, the FFT convolution's power), so a scaled input
# beyond sqrt(3.4e38) = 1.8e19 overflows (measured: SpaceTime and S4D at 1e21; NLinear returns
# forecasts of 1e28 at 5e28), sooner after sums over channels and steps; 1e12 leaves that margin,
# and no measured series moves a trillion standard deviations from its training rows.
MAX_SCALED = 1e12


def out_of_range_cells(values: np.ndarray, scaler: ScalerState) -> tuple[np.ndarray, np.ndarray]:
    """``(beyond float32, too far)``: two ``(rows, columns)`` bool arrays of ``values`` (original
    units, the scaler's columns), the finite values beyond float32's range, and those more than
    :data:`MAX_SCALED` standard deviations from the training mean. NaN (a gap, a ragged series'
    empty end, a future row's target) is not checked."""
    finite = np.isfinite(values)
    beyond = finite & (np.abs(values) > FLOAT32_MAX)
    with np.errstate(over="ignore", invalid="ignore"):
        # a scaler fitted on values beyond float32 may itself be inf/NaN: those values are named first
        too_far = finite & ~(np.abs(scaler.transform(values)) <= MAX_SCALED)
    return beyond, too_far


def check_value_range(
    frame: pd.DataFrame, spec: SeriesSpec, scaler: ScalerState, source: str, fitted: bool
) -> None:
    """Refuse an input value of ``frame`` (a checked frame of ``spec``) that the model cannot compute
    with (:func:`out_of_range_cells`, scaled by ``scaler``): a :class:`DataError` naming ``source``
    (the file, or "the DataFrame"), the column, the time, the value and the fix, which for a
    ``fitted`` model's new data (predict, backtest) leaves out ``fill=``. It names the first column
    holding one, and there the largest value (a fill may have spread it to its neighbours)."""
    values = frame[scaler.columns].to_numpy(dtype="float64")
    beyond, too_far = out_of_range_cells(values, scaler)
    bad = beyond if beyond.any() else too_far
    if not bad.any():
        return
    j = int(np.flatnonzero(bad.any(axis=0))[0])
    size = np.where(bad[:, j], np.abs(values[:, j]), -np.inf)
    row = int(np.argmax(size))
    name, value, mean, scale = scaler.columns[j], values[row, j], scaler.mean[j], scaler.scale[j]
    column = _column_text(name, spec)
    more = int(bad.sum()) - 1
    others = f" ({more} more such cell{'s' if more > 1 else ''})" if more else ""
    if beyond.any():
        why = f"beyond float32's range ({FLOAT32_MAX:.3g}), in which the model computes"
    else:
        why = (
            f"{abs(value - mean) / scale:.2g} standard deviations from its training mean ({mean:.6g}, "
            f"standard deviation {scale:.6g}); the model computes in float32 and overflows on values "
            f"beyond {MAX_SCALED:.0e} standard deviations"
        )
    raise DataError(
        f"{source}: {column} holds {value:.6g} at {frame[spec.time_col].iloc[row]}{others}, {why}. It is "
        f"most likely a code for a missing reading or a unit mistake: correct it, or {_empty_it(spec.fill, fitted)}."
    )


def _column_text(name: str, spec: SeriesSpec) -> str:
    """What the user's table calls the input ``name``: a wide table's column, a long table's series, or
    a series' own covariate column (``column 'load' of series 'A' (unique_id 'A')``, not ``load[A]``)."""
    if not spec.long_format:
        return f"column {name!r}"
    own = own_covariate(name, spec.targets, spec.long_format)
    if own is not None:
        series = shown_ids([own[1]], spec.id_dtype)[0]
        return f"column {own[0]!r} of series {series!r} ({spec.id_col} {series!r})"
    return f"series {name!r} ({spec.id_col} {name!r})"


def _empty_it(fill: str | None, fitted: bool) -> str:
    """How to treat the value as missing: the fill policy fills an empty cell, if there is one."""
    if fill is not None:
        return f"make the cell empty (NaN): the fill policy {fill!r} fills it"
    if fitted:  # predict and backtest apply the fit's policy, here none
        return 'make the cell empty (NaN) and fill it in the DataFrame, or refit with fill="interpolate"'
    return 'make the cell empty (NaN) and pass fill="interpolate" (or "ffill") to fill it'
