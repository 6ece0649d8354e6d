"""Reading a forecast frame for :func:`~ssm_ts.evaluation.evaluate`: where its series, point forecasts,
actuals, quantiles and conformal bounds are (:class:`Layout`), and its scored points, one row per
(series, forecast time[, cutoff]) (:func:`forecast_points`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

_QUANTILE = re.compile(r"_q([0-9.e+-]+)$")
_LEVEL = re.compile(r"_(lo|hi)-([0-9.e+]+)$")  # predict/backtest(level=...): <target>_lo-80, _hi-80
_ACTUAL = "_actual"


@dataclass(frozen=True)
class Layout:
    """Where things are in a forecast frame: the series and, per series, its columns."""

    time_col: str
    long: bool  # rows per (series, time) with an id column, else one column per series
    series: list[str]
    point: dict[str, str]  # series -> point forecast column (long: the one value column)
    actual: dict[str, str | None]  # series -> actual column (None: joined from actuals=)
    quantiles: dict[float, dict[str, str]]  # level -> series -> column
    levels: dict[str, dict[str, tuple[str, str]]]  # conformal level ("80") -> series -> (lo, hi) columns
    has_cutoff: bool


def frame_layout(frame: pd.DataFrame, id_col: str, time_col: str | None, with_actuals: bool) -> Layout:
    columns = [str(c) for c in frame.columns]
    has_cutoff = "cutoff" in columns
    long = id_col in columns
    if time_col is None:
        rest = [c for c in columns if c not in ("cutoff", id_col)]
        time_col = rest[0] if rest else None
        if time_col is None or pd.api.types.is_float_dtype(frame[time_col]):
            raise DataError(
                f"the frame's columns {columns[:8]} have no time column where a forecast has it (first, "
                f"after cutoff/{id_col}); pass time_col=..., or score a Forecaster.backtest() frame."
            )
    elif time_col not in columns:
        raise DataError(f"time_col={time_col!r} is not a column of the frame (columns: {columns[:8]}).")
    actual_of = {
        c[: -len(_ACTUAL)]: c for c in columns if c.endswith(_ACTUAL) and c[: -len(_ACTUAL)] in columns
    }
    if actual_of and with_actuals:
        raise ConfigError(
            f"the frame already holds actual columns ({list(actual_of.values())[:3]}) and actuals= was "
            "given too; leave actuals out to score those, or drop the *_actual columns."
        )
    quantile_of: dict[str, dict[float, str]] = {}
    for column in columns:
        match = _QUANTILE.search(column)
        if match and column[: match.start()] in columns:
            try:
                level = float(match.group(1))
            except ValueError:
                continue
            quantile_of.setdefault(column[: match.start()], {})[level] = column
    level_of = _level_columns(columns)
    owned = {c for levels in quantile_of.values() for c in levels.values()}
    owned |= {c for levels in level_of.values() for pair in levels.values() for c in pair}
    unowned = [c for c in columns if c not in ("cutoff", id_col, time_col) and c not in owned]
    if actual_of:
        targets = list(actual_of)
        _require_every_actual(frame, [c for c in unowned if c not in targets and not c.endswith(_ACTUAL)])
    elif with_actuals:  # a predict frame: every value column that is not a quantile of another
        targets = unowned
    else:
        raise DataError(
            f"the frame has no actual columns (<target>_actual; its columns: {columns[:8]}"
            f"{' ...' if len(columns) > 8 else ''}): score a Forecaster.backtest(data) frame, or a "
            "predict() frame with actuals=<the observed table>."
        )
    targets = [t for t in targets if pd.api.types.is_numeric_dtype(frame[t])]
    if not targets:
        raise DataError(
            f"the frame has no numeric forecast column (columns: {columns[:8]}); nothing to score."
        )
    if long:
        if len(targets) != 1:
            raise DataError(
                f"a long frame (with {id_col!r}) has one value column, found {targets}; pass id_col=... "
                "if the series column has another name, or score one value column at a time."
            )
        value = targets[0]
        series = [str(s) for s in pd.unique(frame[id_col])]
        point = dict.fromkeys(series, value)
        actual = dict.fromkeys(series, actual_of.get(value))
        levels = quantile_of.get(value, {})
        quantiles = {q: dict.fromkeys(series, c) for q, c in sorted(levels.items())}
        intervals = {label: dict.fromkeys(series, pair) for label, pair in level_of.get(value, {}).items()}
    else:
        series = targets
        point = {s: s for s in series}
        actual = {s: actual_of.get(s) for s in series}
        common = set.intersection(*(set(quantile_of.get(s, {})) for s in series))
        quantiles = {q: {s: quantile_of[s][q] for s in series} for q in sorted(common)}
        shared = set.intersection(*(set(level_of.get(s, {})) for s in series))
        intervals = {label: {s: level_of[s][label] for s in series} for label in shared}
    intervals = dict(sorted(intervals.items(), key=lambda item: float(item[0])))
    return Layout(time_col, long, series, point, actual, quantiles, intervals, has_cutoff)


def _require_every_actual(frame: pd.DataFrame, others: list[str]) -> None:
    """A wide frame with actual columns has one for every series: a float column (what forecasts
    are) among ``others`` (no actuals, quantile or bound of a series) is a series whose
    ``<series>_actual`` is missing, which scoring the rest would leave out unseen.

    Raises:
        DataError: naming the series and their missing actual columns.
    """
    missing = [c for c in others if pd.api.types.is_float_dtype(frame[c])]
    if missing:
        actual = [f"{c}{_ACTUAL}" for c in missing]
        raise DataError(
            f"the frame has actual columns for other series but none for {missing[:5]} (no {actual[:5]}): "
            "their forecasts cannot be scored, and the scores would leave them out unseen. Give those "
            f"columns back (the backtest frame has them), or drop the series (frame.drop(columns={missing[:5]})) "
            "to score the others."
        )


def _level_columns(columns: list[str]) -> dict[str, dict[str, tuple[str, str]]]:
    """``{base column: {level: (lo column, hi column)}}`` of the ``<base>_lo-<L>``/``<base>_hi-<L>`` pairs
    whose base is a column too (a lone bound is no interval and is not scored)."""
    present = set(columns)
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for column in columns:
        match = _LEVEL.search(column)
        base = column[: match.start()] if match else None
        if match is None or match.group(1) != "lo" or base not in present:
            continue
        try:
            label = f"{float(match.group(2)):g}"
        except ValueError:
            continue
        upper = f"{base}_hi-{match.group(2)}"
        if upper in present:
            found.setdefault(base, {})[label] = (column, upper)
    return found


def forecast_points(frame: pd.DataFrame, layout: Layout, id_col: str) -> pd.DataFrame:
    """One row per (series, forecast time[, cutoff]): ``series, [cutoff], horizon, time, actual,
    forecast, q<level>...`` in the frame's series order."""
    # long: every row is one point already; wide: one block of rows per series column
    blocks = (
        [(frame[id_col].astype(str).to_numpy(), None)] if layout.long else [(s, s) for s in layout.series]
    )
    pieces = []
    for series, s in blocks:
        s = s or layout.series[0]  # long: one value column, the same for every series
        piece = {"series": series, "time": frame[layout.time_col].array}
        if layout.has_cutoff:
            piece["cutoff"] = frame["cutoff"].array
        column = layout.actual[s]
        piece["actual"] = frame[column].to_numpy(dtype="float64") if column else np.nan
        piece["forecast"] = frame[layout.point[s]].to_numpy(dtype="float64")
        for level, by_series in layout.quantiles.items():
            piece[f"q{level:g}"] = frame[by_series[s]].to_numpy(dtype="float64")
        for label, by_series_pair in layout.levels.items():
            lo, hi = by_series_pair[s]
            piece[f"lo-{label}"] = frame[lo].to_numpy(dtype="float64")
            piece[f"hi-{label}"] = frame[hi].to_numpy(dtype="float64")
        pieces.append(pd.DataFrame(piece, index=frame.index))
    points = pd.concat(pieces)
    forecast_columns = ["forecast", *(c for c in points.columns if _QUANTILE_KEY.match(c))]
    if not layout.long:
        # a wide frame of a ragged panel has a row per time of any series: where a series has neither
        # a forecast nor an actual, the row is another series' window, not a point of this one
        absent = points[forecast_columns].isna().all(axis=1) & points["actual"].isna()
        points = points[~absent.to_numpy()]
    # a conformal bound may be NaN where the point forecast is not (a series of a ragged panel with too
    # few held-out calibration windows): only its interval metrics leave it out (interval_gaps)
    model_columns = [c for c in forecast_columns if not c.startswith(("lo-", "hi-"))]
    bad = points[model_columns].isna().any(axis=1).to_numpy()
    if bad.any():
        first = points[bad].iloc[0]
        raise DataError(
            f"series {first['series']!r} has NaN forecasts at {int(bad.sum())} points (first: frame row "
            f"{points.index[bad][0]}, time {first['time']}); a forecast must be a number to be scored: "
            "check the model (a diverged fit) or drop those rows."
        )
    # horizon step 1..H: position in time within each window (the one forecast without cutoffs)
    window = ["series", "cutoff"] if layout.has_cutoff else ["series"]
    points = points.reset_index(drop=True)
    in_time_order = points.sort_values([*window, "time"], kind="stable")
    points["horizon"] = in_time_order.groupby(window, sort=False).cumcount() + 1  # aligns on the index
    return points


def interval_gaps(points: pd.DataFrame, layout: Layout) -> np.ndarray:
    """Per point, whether a conformal level's bound is NaN (``n_no_interval`` counts the scored ones);
    one warning names each series and level with such scored points."""
    scored = points["actual"].notna().to_numpy()
    gaps = np.zeros(len(points), dtype=bool)
    found = []
    for label in layout.levels:
        missing = (points[f"lo-{label}"].isna() | points[f"hi-{label}"].isna()).to_numpy()
        gaps |= missing
        counts = points.loc[missing & scored, "series"].value_counts(sort=False)
        found += [f"{series!r} at level {label} ({n} point{'s' * (n > 1)})" for series, n in counts.items()]
    if found:
        warn_on_rank_zero(
            f"evaluate: no conformal interval (NaN _lo-/_hi- bounds) for series {', '.join(found)}: "
            "predict/backtest(level=...) leave them NaN for a series with too few held-out calibration "
            "windows for the level (their warning says why). That level's coverage/width/mis/msis of such "
            "a series are NaN (or over its points with bounds), the points are counted in n_no_interval, "
            "and the 'all' row averages the series that have them; its point metrics are scored as usual.",
            UserWarning,
            stacklevel=None,  # evaluate's caller
        )
    return gaps


_QUANTILE_KEY = re.compile(
    r"^(q|lo-|hi-)[0-9.e+-]+$"
)  # quantile and interval-bound columns of forecast_points
