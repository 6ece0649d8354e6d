"""The metrics of :func:`~ssm_ts.evaluation.evaluate`: their names, which ones the inputs allow
(:func:`chosen_metrics`), the loss of each point (:func:`point_losses`) and their means per series
and group (:func:`summarise`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError
from ssm_ts.evaluation_frame import Layout

POINT_METRICS = ("mae", "mse", "rmse", "mape", "smape")
SCALED_METRICS = ("mase", "rmsse")
QUANTILE_METRICS = ("pinball", "coverage", "width", "mis", "msis")
METRICS = (*POINT_METRICS, *SCALED_METRICS, *QUANTILE_METRICS)
NEEDS_TRAIN = {"mase", "rmsse", "msis"}
NEEDS_INTERVAL = {"coverage", "width", "mis", "msis"}
GROUPINGS = ("series", "cutoff", "horizon")
ALL_SERIES = "all"


def groupings(by: str | Sequence[str], layout: Layout) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in GROUPINGS]
    if unknown:
        raise ConfigError(f"by={by!r}: {unknown} unknown; choose from {list(GROUPINGS)}.")
    if "cutoff" in keys and not layout.has_cutoff:
        raise ConfigError(
            "by='cutoff' needs a backtest frame (with a cutoff column); this one has none: drop 'cutoff'."
        )
    return [k for k in GROUPINGS if k in keys]  # a fixed column order


def _intervals(layout: Layout) -> list[tuple[str, str, str, float]]:
    """``(lower key, upper key, metric suffix, alpha)`` of each interval in the points of :func:`forecast_points`:
    the central quantile pairs ``q<a>``-``q<1-a>`` (suffix ``"80"``), then the conformal levels
    ``lo-<L>``/``hi-<L>`` (suffix ``"level80"``, utilsforecast's name)."""
    levels = list(layout.quantiles)
    pairs = []
    for lower in levels:
        upper = next((u for u in levels if lower < 0.5 and abs(lower + u - 1) < 1e-9), None)
        if upper is not None:
            label = f"{round(100 * (upper - lower), 6):g}"
            pairs.append((f"q{lower:g}", f"q{upper:g}", label, 1 - (upper - lower)))
    for label in layout.levels:
        pairs.append((f"lo-{label}", f"hi-{label}", f"level{label}", 1 - float(label) / 100))
    return pairs


def chosen_metrics(metrics: Sequence[str] | None, layout: Layout, has_train: bool) -> list[str]:
    if metrics is None:
        chosen = [*POINT_METRICS, *(SCALED_METRICS if has_train else ())]
        if layout.quantiles:
            chosen.append("pinball")
        if _intervals(layout):
            chosen += ["coverage", "width", "mis", *(["msis"] if has_train else [])]
        return chosen
    chosen = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in chosen if m not in METRICS]
    if unknown:
        raise ConfigError(
            f"unknown metric(s) {unknown}; valid names: {', '.join(METRICS)}.{_by_name(unknown)}"
        )
    needs_train = [m for m in chosen if m in NEEDS_TRAIN]
    if needs_train and not has_train:
        raise ConfigError(
            f"{needs_train} scale errors by each series' in-sample seasonal-naive error: pass train=<the "
            "table the model was fitted or backtested on> (and season_length=...), or leave them out."
        )
    if "pinball" in chosen and not layout.quantiles:
        raise ConfigError(
            "['pinball'] need quantile columns (<target>_q<level>), and this frame has none: fit the "
            "Forecaster with quantiles=[0.1, 0.5, 0.9], or leave it out."
        )
    interval = [m for m in chosen if m in NEEDS_INTERVAL]
    if interval and not _intervals(layout):
        if not layout.quantiles:
            raise ConfigError(
                f"{interval} need quantile columns (<target>_q<level>) or interval columns "
                "(<target>_lo-<L>/_hi-<L>), and this frame has neither: fit the Forecaster with "
                "quantiles=[0.1, 0.5, 0.9], or backtest/predict with level=[80, 95], or leave them out."
            )
        raise ConfigError(
            f"{interval} need a central interval (quantiles a and 1-a, e.g. 0.1 and 0.9, or the "
            f"<target>_lo-<L>/_hi-<L> columns of level=[80, 95]); the frame has quantile levels "
            f"{list(layout.quantiles)}. Fit with such a pair, backtest/predict with level=..., or leave them out."
        )
    return list(dict.fromkeys(chosen))


def point_losses(points: pd.DataFrame, layout: Layout, chosen: list[str]) -> pd.DataFrame:
    """Per point, the quantity each chosen metric averages (:func:`summarise` leaves out the points
    whose actual is NaN)."""
    y, f = points["actual"].to_numpy(), points["forecast"].to_numpy()
    error = y - f
    losses: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if "mae" in chosen:
            losses["mae"] = np.abs(error)
        if {"mse", "rmse"} & set(chosen):
            losses["mse"] = error**2
        if "mape" in chosen:  # a zero actual has no percentage error: left out (and counted)
            losses["mape"] = np.where(y == 0, np.nan, 100 * np.abs(error) / np.abs(y))
        if "smape" in chosen:  # both zero: a perfect forecast, 0
            denominator = np.abs(y) + np.abs(f)
            losses["smape"] = np.where(denominator == 0, 0.0, 200 * np.abs(error) / denominator)
        if "mase" in chosen:
            losses["mase"] = np.abs(error) / points["scale_ae"].to_numpy()
        if "rmsse" in chosen:
            losses["msse"] = error**2 / points["scale_se"].to_numpy()
        if "pinball" in chosen:
            for level in layout.quantiles:
                e = y - points[f"q{level:g}"].to_numpy()
                losses[f"pinball_q{level:g}"] = np.maximum(level * e, (level - 1) * e)
        for lower, upper, label, alpha in _intervals(layout) if NEEDS_INTERVAL & set(chosen) else []:
            lo, hi = points[lower].to_numpy(), points[upper].to_numpy()
            if "coverage" in chosen:  # no interval (a NaN bound): no coverage either, not 0
                inside = ((lo <= y) & (y <= hi)).astype("float64")
                losses[f"coverage_{label}"] = np.where(np.isnan(lo) | np.isnan(hi), np.nan, inside)
            if "width" in chosen:
                losses[f"width_{label}"] = hi - lo
            if {"mis", "msis"} & set(chosen):
                score = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
                if "mis" in chosen:
                    losses[f"mis_{label}"] = score
                if "msis" in chosen:
                    losses[f"msis_{label}"] = score / points["scale_ae"].to_numpy()
    return pd.DataFrame(losses, index=points.index)


def summarise(
    losses: pd.DataFrame, points: pd.DataFrame, groups: list[str], aggregate: bool, chosen: list[str]
) -> pd.DataFrame:
    keys = ["series", *(g for g in groups if g != "series")]
    observed = points["actual"].notna()
    counts = pd.DataFrame({"n": observed.astype("int64"), "n_missing": (~observed).astype("int64")})
    if "mape" in chosen:
        counts["n_zero_actual"] = (points["actual"] == 0).astype("int64")
    if "no_interval" in points:  # scored points without a conformal interval at some level
        counts["n_no_interval"] = (observed & points["no_interval"]).astype("int64")
    key_frame = points[keys].copy()
    key_frame["series"] = pd.Categorical(
        key_frame["series"], categories=list(dict.fromkeys(points["series"]))
    )
    # a NaN actual is a value the fill policy invented (or none at all): no metric may score it
    grouped = pd.concat([key_frame, counts, losses.where(observed, np.nan)], axis=1).groupby(
        keys, sort=True, observed=True
    )
    per_series = grouped[list(counts.columns)].sum().join(grouped[list(losses.columns)].mean())
    if "rmse" in chosen:
        per_series["rmse"] = np.sqrt(per_series["mse"])
    if "rmsse" in chosen:
        per_series["rmsse"] = np.sqrt(per_series.pop("msse"))
    pinball = [c for c in per_series.columns if c.startswith("pinball_q")]
    if pinball:
        per_series["pinball"] = per_series[pinball].mean(axis=1)
    per_series = per_series.reset_index()
    per_series["series"] = per_series["series"].astype(object)
    metric_columns = _metric_order(per_series.columns, chosen)
    result = per_series[[*keys, *counts.columns, *metric_columns]]
    pieces = [result] if "series" in groups else []
    if aggregate or "series" not in groups:
        pieces.append(_all_series(result, keys, list(counts.columns), metric_columns))
    out = pd.concat(pieces, ignore_index=True)
    if "series" not in groups:
        out = out.drop(columns="series")
    return out


def _all_series(result: pd.DataFrame, keys: list[str], counts: list[str], metrics: list[str]) -> pd.DataFrame:
    """The mean of the series' scores (counts summed) within each other group."""
    others = [k for k in keys if k != "series"]
    if others:
        grouped = result.groupby(others, sort=True)
        summary = grouped[counts].sum().join(grouped[metrics].mean()).reset_index()
    else:
        summary = pd.DataFrame([{**result[counts].sum(), **result[metrics].mean()}])
    labels = set(result["series"])
    summary["series"] = ALL_SERIES if ALL_SERIES not in labels else f"{ALL_SERIES} series"
    for column in counts:
        summary[column] = summary[column].astype("int64")
    return summary[[*keys, *counts, *metrics]]


def _metric_order(columns, chosen: list[str]) -> list[str]:
    """The output columns of the chosen metrics, in ``chosen`` order (per-level ones by level)."""
    ordered = []
    for metric in chosen:
        if metric in ("mae", "mse", "rmse", "mape", "smape", "mase", "rmsse"):
            ordered.append(metric)
        elif metric == "pinball":
            ordered += [c for c in columns if c.startswith("pinball_q")] + ["pinball"]
        else:
            ordered += [c for c in columns if c.startswith(f"{metric}_")]
    return ordered


def _by_name(unknown: list) -> str:
    """A hint for metrics given as functions (utilsforecast's ``mae``, ``partial(mase, seasonality=24)``):
    ``evaluate`` takes their names, the season of ``mase`` as ``season_length``."""
    functions = [m for m in unknown if callable(m)]
    if not functions:
        return ""
    names = [getattr(getattr(f, "func", f), "__name__", "") for f in functions]
    seasons = [f.keywords["seasonality"] for f in functions if "seasonality" in getattr(f, "keywords", {})]
    named = [n for n in names if n in METRICS]
    call = f"metrics={named or ['mae']}" + (f", season_length={seasons[0]!r}" if seasons else "")
    return (
        f" Metrics are named, not passed as functions (utilsforecast's): evaluate(backtest, {call}"
        f"{', train=train_df' if set(named) & NEEDS_TRAIN else ''})."
    )
