"""Chronological train/validation/test splits and the windows each split may use.

The long-horizon protocol (Informer, Autoformer, PatchTST, SpaceTime): ETTh* rows
[0, 8640) / [8640, 11520) / [11520, 14400); ETTm* four times that; other files 70% train, 20%
test and the rest validation, in time order. A validation or test *input* window may start one
lookback before its split's first row, so every target row of a split is forecast; targets never
cross a split boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssm_ts.errors import ConfigError, DataError

SPLIT_PRESETS = ("standard", "ett_h", "ett_m", "fractions", "rows")
_ETT_HOURLY = (8640, 11520, 14400)


@dataclass(frozen=True)
class SplitBoundaries:
    """Row boundaries: train ``[0, train_end)``, validation ``[train_end, val_end)``, test ``[val_end, test_end)``."""

    train_end: int
    val_end: int
    test_end: int

    def window_starts(self, split: str, lookback: int, horizon: int) -> range:
        """Start rows ``s`` of windows whose targets ``[s + lookback, s + lookback + horizon)`` lie in ``split``."""
        first, last = {
            "train": (0, self.train_end),
            "val": (self.train_end, self.val_end),
            "test": (self.val_end, self.test_end),
        }[split]
        low = 0 if split == "train" else max(0, first - lookback)
        return range(low, max(low, last - lookback - horizon + 1))


def split_boundaries(
    n_rows: int,
    split: str = "standard",
    fractions: list[float] | None = None,
    boundaries: list[int] | None = None,
) -> SplitBoundaries:
    """Resolve a split setting to row boundaries for a series of ``n_rows`` rows.

    Args:
        split: ``"standard"`` (70% / rest / 20%), ``"ett_h"``, ``"ett_m"``; ``"fractions"`` and
            ``"rows"`` are implied by ``fractions`` / ``boundaries``.
        fractions: ``[train, val, test]`` fractions summing to at most 1 (the rest is unused).
        boundaries: ``[train_end, val_end]`` or ``[train_end, val_end, test_end]`` row numbers.
    """
    if fractions is not None and boundaries is not None:
        raise ConfigError("give either split fractions or split boundaries (rows), not both.")
    if fractions is not None:
        return _from_fractions(n_rows, fractions)
    if boundaries is not None:
        return _from_rows(n_rows, boundaries)
    if split == "standard":
        n_train, n_test = int(0.7 * n_rows), int(0.2 * n_rows)
        return SplitBoundaries(n_train, n_rows - n_test, n_rows)
    if split in ("ett_h", "ett_m"):
        scale = 1 if split == "ett_h" else 4
        ends = tuple(scale * e for e in _ETT_HOURLY)
        if n_rows < ends[-1]:
            raise DataError(
                f"split preset {split!r} needs at least {ends[-1]} rows (test ends at row {ends[-1]}), the series "
                f"has {n_rows}; use split='standard' for other files."
            )
        return SplitBoundaries(*ends)
    raise ConfigError(
        f"unknown split {split!r}; choose one of {SPLIT_PRESETS} (or give fractions / boundaries)."
    )


def _from_fractions(n_rows: int, fractions: list[float]) -> SplitBoundaries:
    if len(fractions) != 3 or any(f < 0 for f in fractions) or sum(fractions) > 1 + 1e-9:
        raise ConfigError(
            f"split fractions {fractions} must be three non-negative numbers [train, val, test] summing to at most 1."
        )
    train_end = int(fractions[0] * n_rows)
    val_end = train_end + int(fractions[1] * n_rows)
    test_end = min(n_rows, val_end + int(round(fractions[2] * n_rows)))
    return SplitBoundaries(train_end, val_end, test_end)


def _from_rows(n_rows: int, boundaries: list[int]) -> SplitBoundaries:
    ends = list(boundaries) + ([n_rows] if len(boundaries) == 2 else [])
    if len(ends) != 3 or not 0 < ends[0] <= ends[1] <= ends[2] <= n_rows:
        raise ConfigError(
            f"split boundaries {boundaries} must be [train_end, val_end] or [train_end, val_end, test_end], "
            f"increasing and at most the {n_rows} rows of the series."
        )
    return SplitBoundaries(*ends)


def check_enough_rows(
    bounds: SplitBoundaries, lookback: int, horizon: int, source: str, need_test: bool
) -> None:
    """Every split must hold at least one window; say which does not and what to change."""
    needs = {
        "train": (bounds.train_end, lookback + horizon),
        "val": (bounds.val_end - bounds.train_end, horizon),
    }
    if need_test:
        needs["test"] = (bounds.test_end - bounds.val_end, horizon)
    for split, (rows, needed) in needs.items():
        if rows < needed:
            raise DataError(
                f"{source}: the {split} split has {rows} rows but one window needs {needed} "
                f"(lookback {lookback} + horizon {horizon} for train; horizon {horizon} for val/test); "
                "use a shorter lookback or horizon, a longer series, or different split fractions"
                + _fractions_hint(bounds.test_end, lookback, horizon, need_test)
                + "."
            )


def _fractions_hint(n_rows: int, lookback: int, horizon: int, need_test: bool) -> str:
    """`` (e.g. fractions=[0.6, 0.2, 0.2] ...)``: the split fractions, in hundredths, that leave the
    validation and test splits one window each (``horizon`` rows) and the rest to training, when
    that rest holds a training window of ``lookback + horizon`` rows; ``""`` otherwise (the series
    is too short for any fractions, or the split has no test, as a refit's or a tuning trial's)."""
    if not need_test:
        return ""
    held = next((f / 100 for f in range(1, 50) if int(f / 100 * n_rows) >= horizon), None)
    if held is None:
        return ""
    fractions = [round(1 - 2 * held, 2), held, held]
    bounds = _from_fractions(n_rows, fractions)
    if bounds.train_end < lookback + horizon or bounds.test_end - bounds.val_end < horizon:
        return ""
    return f" (e.g. Forecaster(fractions={fractions}); CLI: --data.fractions '{fractions}')"
