"""Codes for a missing reading written as a number (``-9999``, ``99999``, ``1e30``, as meteorological,
sensor and government exports write them): found in a column's values and named in a warning with
the read option that reads them as missing, so the model does not train on them unseen.

A value is taken for such a code when it is repeated exactly (or is one of the usual codes) and
lies far outside the column's other values: many robust spreads from their median, and beyond
their whole range by at least half that range. A single spike, or the top of a heavy tail, is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .reader import Table

# A code lies this many robust spreads (the MAD scaled to a normal's standard deviation) from the
# median of the other values, and beyond their range by this share of it. The repeated values of the
# real series in the project's data (ETTh1, ETTm1, exchange rates, illness counts, Mauna Loa CO2)
# come within 8 spreads and inside their range but for 0.13 of it: the thresholds leave a wide margin,
# and the share keeps the far end of a long tail (rain, counts, prices in a crash) from being a code.
MIN_SPREADS = 20.0
MIN_GAP = 0.5
MIN_ROWS = 10  # fewer values say too little about the column
CHUNK_CELLS = 1 << 20  # the cells the column test takes at once (8 MB of float64): memory, not speed
# codes written once are still codes: 99 ... 99999999 and 1e10 ... 1e38 either sign, netCDF's float
# fill value, and the 9.9e37 that SCPI instruments return for "not a number"
_NINES = 10.0 ** np.arange(2, 9) - 1
_FILLS = np.array([9.969209968386869e36, 9.9e37])


def is_usual_code(values: np.ndarray) -> np.ndarray:
    """``values.shape`` bool: which of ``values`` are usual missing-value codes (``-9999``, ``1e30``...)."""
    size = np.abs(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.log10(size)
    return (
        np.isin(size, _NINES)
        | ((size >= 1e10) & np.isclose(power, np.round(power), rtol=0, atol=1e-12))
        | np.isclose(size[..., None], _FILLS, rtol=1e-6, atol=0).any(axis=-1)
    )


def sentinel_values(column: np.ndarray) -> np.ndarray:
    """The values of ``column`` (``(n_rows,)`` float, NaN where empty) that look like codes for a
    missing reading, ascending; empty for most columns. Vectorised: one median over the column, and a
    sort of only the values far from it."""
    values = column[np.isfinite(column)]
    if values.size < MIN_ROWS:
        return values[:0]
    center, spread = _center_and_spread(values)
    far = values[np.abs(values - center) > MIN_SPREADS * spread] if spread > 0 else values[values != center]
    unique, counts = np.unique(far, return_counts=True)
    candidates = unique[(counts >= 2) | is_usual_code(unique)]
    if candidates.size == 0:
        return candidates
    others = values[~np.isin(values, candidates)]  # the column's values without the candidates
    if others.size < MIN_ROWS or np.unique(others).size < 3:
        return candidates[:0]  # a flag or a constant: no spread to be far from
    center, spread = _center_and_spread(others)
    low, high = others.min(), others.max()
    gap = MIN_GAP * (high - low)
    outside = (candidates > high + gap) | (candidates < low - gap)
    return candidates[outside & (np.abs(candidates - center) > MIN_SPREADS * spread)]


def _may_hold_codes(block: np.ndarray) -> np.ndarray:
    """The columns of ``block`` (``(n_rows, n_columns)`` float, NaN where empty) that
    :func:`sentinel_values` must look at: all but those with a robust spread and no value near
    :data:`MIN_SPREADS` of them from their median, which hold no code (its first test, done for many
    columns at once; a 5% margin keeps a column whose median differs in the last bit). ``(k,)``
    ascending column positions."""
    if len(block) < MIN_ROWS:
        return np.arange(block.shape[1])
    # a few columns' worth of cells at a time: the test copies its block about three times over (the
    # finite values, their deviations, a sort), which a whole large frame at once would triple
    step = max(1, CHUNK_CELLS // len(block))
    found = [
        start + _chunk_may_hold_codes(block[:, start : start + step])
        for start in range(0, block.shape[1], step)
    ]
    return np.concatenate(found) if found else np.arange(0)


def _chunk_may_hold_codes(block: np.ndarray) -> np.ndarray:
    """:func:`_may_hold_codes` of ``block`` ``(n_rows >= MIN_ROWS, n_columns)``, all at once."""
    finite = np.where(np.isfinite(block), block, np.nan)
    counts = np.isfinite(block).sum(axis=0)
    with np.errstate(invalid="ignore"):
        center = _column_medians(finite, counts)
        deviation = np.abs(finite - center)
        spread = 1.4826 * _column_medians(deviation, counts)
        far = np.fmax.reduce(deviation, axis=0) > 0.95 * MIN_SPREADS * spread
    clear = (counts >= MIN_ROWS) & (spread > 0) & ~far
    return np.flatnonzero(~clear)


def _column_medians(block: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``(n_columns,)`` the median of each column's ``counts`` values of ``block`` (NaN where empty,
    which sorts last); NaN for an empty column. One sort for all (``np.nanmedian`` loops over them)."""
    ordered = np.sort(block, axis=0)
    columns = np.arange(block.shape[1])
    low, high = np.maximum((counts - 1) // 2, 0), np.maximum(counts // 2, 0)
    middle = (
        ordered[np.minimum(low, len(block) - 1), columns] + ordered[np.minimum(high, len(block) - 1), columns]
    ) / 2
    return np.where(counts > 0, middle, np.nan)


def _center_and_spread(values: np.ndarray) -> tuple[float, float]:
    """The median and a robust spread of ``values``: the median absolute deviation scaled to a normal's
    standard deviation, else (over half of them equal) the interquartile range, else the mean
    absolute deviation (0 only for a constant)."""
    center = float(np.median(values))
    deviation = np.abs(values - center)
    spread = 1.4826 * float(np.median(deviation))
    if spread == 0:
        q1, q3 = np.quantile(values, [0.25, 0.75])
        spread = float(q3 - q1) / 1.349
    return center, spread if spread > 0 else 1.2533 * float(deviation.mean())


def warn_sentinels(
    table: Table, values: pd.DataFrame, columns: list[str], times: pd.Series, fill: str | None, fitted: bool
) -> None:
    """Warn (one warning for the table) if a column of ``values`` (``table``'s rows, read as numbers)
    holds codes for a missing reading (:func:`sentinel_values`): the column, each code, how many rows
    and the first rows (and CSV lines), and the read option that reads them as missing.

    A warning, not an error: the values may be real (a reading repeated far from all others), and
    the data is read as given, as integers that look like epoch times are read as steps."""
    found = []  # (column, code, where)
    block = values[columns].to_numpy(dtype="float64")  # (n_rows, n_columns), once: a column each took seconds
    for j in _may_hold_codes(block):
        name, column = columns[j], block[:, j]
        for code in sentinel_values(column):
            rows = np.flatnonzero(column == code)
            count = f"{rows.size} {'row' if table.origin is None else 'time'}{'s' if rows.size > 1 else ''}"
            where = f"{count}: {table.cells_text(name, rows, times)}"
            found.append((name, _text(code), f"{table.column_text(name)} holds {_text(code)} at {where}"))
    if not found:
        return
    codes = {name: [code for column, code, _ in found if column == name] for name, *_ in found}
    several = len(found) > 1
    warn_on_rank_zero(
        f"{table.name}: {'; '.join(text for *_, text in found)}. Far outside "
        f"{'each column' if several else 'the column'}'s other values, {'each' if several else 'it'} is "
        "most likely a code for a missing reading, which the model would train on as a value. "
        f"{_fix(table, codes, fill, fitted)} If {'they are real values' if several else 'it is a real value'}, "
        "ignore this warning.",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def _text(code: float) -> str:
    """``-9999`` or ``1e+30``: a code as a marker for ``na_values`` (pandas matches it as a number)."""
    return str(int(code)) if float(code).is_integer() and abs(code) < 1e15 else repr(float(code))


def _fix(table: Table, codes: dict[str, list[str]], fill: str | None, fitted: bool) -> str:
    """How to read ``codes`` (per column of ``table``) as missing: the read options for a CSV, or a
    replace for a DataFrame, then what fills them."""
    source, them = table, "them" if sum(map(len, codes.values())) > 1 else "it"
    if table.origin is not None:  # a long table's codes are in its value column
        source = table.origin.table
        codes = {table.origin.value_col: [c for column in codes.values() for c in column]}
    if source.is_file:
        options = _with_markers(source.read_options, codes)
        how = (
            f"To read {them} as missing, pass read_options={options!r} (CLI: "
            f"--data.read_options '{json.dumps(options)}')"
        )
    else:
        marks = ", ".join(dict.fromkeys(c for column in codes.values() for c in column))
        how = f"To make {them} missing, replace {them} by NaN (df.replace([{marks}], np.nan))"
    if fill is not None:
        return f"{how}: the fill policy {fill!r} fills those rows."
    if fitted:
        return f"{how}, and fill those rows (predict applies the fit's fill policy, here none)."
    return f'{how}, and pass fill="interpolate" (or "ffill") to fill those rows.'


def _with_markers(options: Mapping[str, Any], codes: dict[str, list[str]]) -> dict[str, Any]:
    """``options`` with ``codes`` (per column) added to its ``na_values``: to each column's list when
    the given markers are per column, else to the one list for every column."""
    given = options.get("na_values")
    if isinstance(given, Mapping):
        markers: Any = {
            **given,
            **{name: _joined(given.get(name), column) for name, column in codes.items()},
        }
    else:
        markers = _joined(given, [c for column in codes.values() for c in column])
    return {**options, "na_values": markers}


def _joined(given: Any, codes: list[str]) -> list[Any]:
    """The markers ``given`` (none, one, or a list) and then those of ``codes`` not among them."""
    items = [] if given is None else [given] if isinstance(given, str | int | float) else list(given)
    return [*items, *(c for c in dict.fromkeys(codes) if c not in map(str, items))]
