"""The forecast plot: recent history, the forecast, and its prediction interval: the widest learned
quantile band, or the conformal intervals of ``level=`` (``<target>_lo-<L>``/``_hi-<L>`` columns)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; never needs a display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .frames import quantile_column  # noqa: E402


def plot_forecast(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    time_col: str,
    targets: list[str],
    quantiles: list[float] | None = None,
    n_history: int | None = None,
    actual: pd.DataFrame | None = None,
    max_panels: int = 8,
    levels: list[float] | None = None,
) -> Figure:
    """One panel per target: history tail, forecast, widest interval, actuals.

    At most ``max_panels`` panels (the first targets); with more targets the figure's title says
    how many are shown, so 1,000 series give a readable figure of 8, not 1,000 panels.

    ``levels``: draw the conformal interval of each level (percent) from ``forecast``'s
    ``<target>_lo-<L>``/``<target>_hi-<L>`` columns, labelled ``"80% conformal interval"``, instead
    of the learned quantile band (the caller checks that the columns exist).
    """
    shown = targets[:max_panels]
    fig, axes = plt.subplots(len(shown), 1, figsize=(10, 2.6 * len(shown)), sharex=True, squeeze=False)
    if len(shown) < len(targets):
        fig.suptitle(
            f"the first {len(shown)} of {len(targets)} series (Forecaster.plot(series=[...]) picks others)",
            fontsize=9,
        )
    history, forecast = _dated(history, time_col), _dated(forecast, time_col)
    actual = None if actual is None else _dated(actual, time_col)
    learned = sorted(quantiles or [])
    intervals = sorted(levels or [], reverse=True)  # widest first: the narrower drawn over it
    for ax, target in zip(axes[:, 0], shown, strict=True):
        # each series' own span: in a ragged panel series start and end at different times
        tail = _own_rows(history, target)
        tail = tail if n_history is None else tail.iloc[max(len(tail) - n_history, 0) :]  # 0: none (-0: all)
        ahead = _own_rows(forecast, target)
        ax.plot(tail[time_col], tail[target], color="0.35", lw=1.0, label="history")
        if intervals:
            _conformal_bands(ax, ahead, time_col, target, intervals)
        elif len(learned) >= 2:
            low, high = learned[0], learned[-1]
            ax.fill_between(
                ahead[time_col],
                ahead[quantile_column(target, low)],
                ahead[quantile_column(target, high)],
                color="tab:blue",
                alpha=0.25,
                label=f"{low:g}-{high:g} interval",
            )
        ax.plot(ahead[time_col], ahead[target], color="tab:blue", lw=1.4, label="forecast")
        if actual is not None and target in actual:
            ax.plot(actual[time_col], actual[target], color="tab:orange", lw=1.0, label="actual")
        ax.set_ylabel(target)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    if pd.api.types.is_datetime64_any_dtype(history[time_col]):
        _concise_dates(axes[-1, 0], history[time_col].dt.tz)
    fig.tight_layout()
    return fig


def _concise_dates(ax, tz) -> None:
    """Short date ticks (``Apr``, ``15``, the year once at the axis' end) in the data's time zone
    ``tz``: full dates such as ``2020-04-01`` ran into each other on a ten-inch figure of weekly or
    daily data."""
    locator = mdates.AutoDateLocator(tz=tz)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))


def _conformal_bands(ax, ahead: pd.DataFrame, time_col: str, target: str, levels: list[float]) -> None:
    """The interval of each level (widest first), lighter the wider; the columns are named as
    ``ssm_ts.api.conformal.interval_columns`` names them (``OT_lo-80``, ``OT_hi-80``)."""
    for i, level in enumerate(levels):
        ax.fill_between(
            ahead[time_col],
            ahead[f"{target}_lo-{level:g}"],
            ahead[f"{target}_hi-{level:g}"],
            color="tab:blue",
            alpha=0.15 + 0.15 * i / max(len(levels) - 1, 1),
            lw=0,
            label=f"{level:g}% conformal interval",
        )


def _own_rows(frame: pd.DataFrame, target: str) -> pd.DataFrame:
    """The rows of ``frame`` in which ``target`` has a value (all rows when it has one in each)."""
    present = frame[target].notna().to_numpy()
    return frame if present.all() else frame[present]


def _dated(frame: pd.DataFrame, time_col: str) -> pd.DataFrame:
    """``frame`` with Periods in ``time_col`` drawn at their start on a date axis (matplotlib has
    no Period axis; pandas' own Period plotting needs the times as the index)."""
    if not isinstance(frame[time_col].dtype, pd.PeriodDtype):
        return frame
    return frame.assign(**{time_col: frame[time_col].dt.to_timestamp()})
