"""The ``train`` and ``actuals`` tables of :func:`~ssm_ts.evaluation.evaluate` (CSV path or DataFrame,
wide or long): read as ``Forecaster.fit`` reads them, their times as the forecasts' are, one column
per forecast series (:func:`series_table`), and the actuals of a ``predict`` frame's points
(:func:`join_actuals`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.evaluation_frame import Layout
from ssm_ts.rank_zero_warnings import warn_on_rank_zero


def series_table(
    source, what: str, layout: Layout, id_col: str, times: pd.Series, read_options: Mapping[str, Any] | None
) -> pd.DataFrame:
    """``source`` (wide or long, CSV path or DataFrame) as a time-indexed, sorted frame with one
    column per series of ``layout``, the time column parsed like the forecasts' ``times``."""
    from ssm_ts.pipelines.forecasting.frames import to_wide_forecast
    from ssm_ts.pipelines.forecasting.long_table import require_series_ids
    from ssm_ts.pipelines.forecasting.reader import read_table, require_table_source
    from ssm_ts.pipelines.forecasting.series import SeriesSpec
    from ssm_ts.pipelines.forecasting.written_ids import with_written_ids

    require_table_source(source, what)  # evaluate's argument named (train=, actuals=), not the reader's data
    # the forecasting reader, as fit reads a CSV (separator, decimal comma); options are for files only
    table = read_table(source, None if isinstance(source, pd.DataFrame) else read_options)
    table = with_written_ids(table, id_col)  # ids "007" as the forecasts hold them (fit reads them so)
    raw = table.frame
    time_col = layout.time_col
    if time_col not in raw.columns:
        raise DataError(
            f"{what} ({table.name}) has no column {time_col!r}, the forecasts' time column (its columns: "
            f"{[str(c) for c in raw.columns[:8]]}); pass the table the model was fitted on."
        )
    if isinstance(source, pd.DataFrame):
        raw = _without_fills(raw, source, time_col, id_col)
    # parsed before the duplicate checks: "2020-01-01" and "01/01/2020" are one time
    parsed = _like_times(table, time_col, times, what)
    _warn_if_times_go_back(table, time_col, parsed, id_col, what)
    raw = raw.assign(**{time_col: parsed})
    value_col = _long_value_column(raw, what, table.name, layout, id_col)
    if value_col is not None:  # a long table, whatever the forecasts' layout
        require_series_ids(table, id_col, f"{what} ({table.name})")
        duplicated = raw.duplicated([id_col, time_col], keep=False).to_numpy()
        if duplicated.any():
            raise DataError(
                f"{what} ({table.name}) has several rows per ({id_col}, {time_col}) at "
                f"{table.rows_text(np.flatnonzero(duplicated))}; keep one row per series and time."
            )
        raw = raw.assign(**{id_col: raw[id_col].astype(str)})
        spec = SeriesSpec(time_col, list(layout.series), freq="", id_col=id_col, value_col=value_col)
        wide = to_wide_forecast(raw[[id_col, time_col, value_col]], spec).set_index(time_col)
    else:
        duplicated = raw.duplicated(time_col, keep=False).to_numpy()
        if duplicated.any():
            raise DataError(
                f"{what} ({table.name}) repeats times in {time_col!r} at "
                f"{table.rows_text(np.flatnonzero(duplicated))}; keep one row per time (a wide table: one "
                f"column per series), or, for a long table (one row per series and time), name its series "
                f"column {id_col!r} or pass id_col=<its name>."
            )
        wide = raw.set_index(time_col)
    wide.index = pd.Index(wide.index, name=time_col)  # a Series of Periods/dates as an index of them
    wide.columns = [str(c) for c in wide.columns]
    missing = [s for s in layout.series if s not in wide.columns]
    if missing:
        where = f"{id_col!r} values" if layout.long else "columns"
        raise DataError(
            f"{what} ({table.name}) lacks series {missing[:5]}{' ...' if len(missing) > 5 else ''} that the "
            f"forecasts hold (as {where}); pass the table with every forecast series."
        )
    values = wide[layout.series]
    non_numeric = [s for s in layout.series if not pd.api.types.is_numeric_dtype(values[s])]
    if non_numeric:
        raise DataError(
            f"{what} ({table.name}): series {non_numeric[:5]} are not numeric; clean those values "
            "(or read the CSV so that they parse as numbers)."
        )
    return values.astype("float64").sort_index()


def _without_fills(raw: pd.DataFrame, given: pd.DataFrame, time_col: str, id_col: str) -> pd.DataFrame:
    """``raw`` (the rows of ``given``, a copy) with NaN where ``given``'s fill record (a loaded frame's
    :class:`~ssm_ts.pipelines.forecasting.series.SeriesNotes`: ``Forecaster.history_`` or a slice of it)
    says the fill policy invented the value: those are no data to scale or score by. Matched on the
    frame's own times (recorded by time, before they are parsed like the forecasts'), per series column
    (wide) or per ``id_col`` value (long: its value columns)."""
    from ssm_ts.pipelines.forecasting.series import series_notes

    filled = series_notes(given).filled
    if not filled:
        return raw
    raw = raw.copy()
    times = raw[time_col]
    long = id_col in raw.columns
    values = [c for c in raw.columns if c not in (time_col, id_col)]
    for name, invented in filled.items():
        rows = times.isin(invented)
        if long:
            rows &= raw[id_col].astype(str) == name
        columns = values if long else [name] if name in raw.columns else []
        for column in columns:
            raw[column] = raw[column].where(~rows)  # NaN there (integers become floats)
    return raw


def _long_value_column(raw: pd.DataFrame, what: str, name: str, layout: Layout, id_col: str) -> str | None:
    """The value column of ``raw`` when it is a long table (it has ``id_col``), else ``None`` (wide):
    its one column besides the series and time, or the one the forecasts name (``y`` by default)."""
    if id_col not in raw.columns:
        return None
    values = [str(c) for c in raw.columns if c not in (id_col, layout.time_col)]
    if len(values) == 1:
        return values[0]
    named = layout.point[layout.series[0]] if layout.long else "y"
    if named in values:
        return named
    raise DataError(
        f"{what} ({name}) is a long table (it has the series column {id_col!r}) with several value columns "
        f"{values[:5]} and none named {named!r}: keep one value column (e.g. {what}[[{id_col!r}, "
        f"{layout.time_col!r}, <values>]]), or pass {what} in wide layout (one column per series)."
    )


def _like_times(table, time_col: str, times: pd.Series, what: str) -> pd.Series:
    """The time column of ``table`` read as the forecasts' ``times`` are (dates in their zone, Periods
    at their frequency or integer steps), text dates read as ``Forecaster.fit`` reads them.

    Raises:
        DataError: cells that do not read so (rows named), or zoned times against zone-less forecasts.
    """
    from ssm_ts.pipelines.forecasting.dates import infer_frequency, parse_text_times
    from ssm_ts.pipelines.forecasting.periods import (
        dates_to_periods,
        is_period,
        period_alias,
        period_text_freq,
        text_to_periods,
    )

    raw = table.frame[time_col]
    where = f"{what} ({table.name}): column {time_col!r}"
    is_dates = pd.api.types.is_datetime64_any_dtype
    try:
        if isinstance(times.dtype, pd.PeriodDtype):
            freq = period_alias(times.dtype.freq)
            if is_period(raw):
                parsed = raw
            elif is_dates(raw):
                parsed = dates_to_periods(raw, freq)
            elif pd.api.types.is_integer_dtype(raw) or period_text_freq(raw) is not None:
                parsed = text_to_periods(raw, freq)
            else:  # days or hours as text: read as fit reads dates, then as Periods
                parsed = dates_to_periods(parse_text_times(raw, where, None, **table.dates), freq)
        elif is_dates(times):
            if is_dates(raw):
                parsed = raw
            elif is_period(raw):
                parsed = raw.dt.to_timestamp()
            else:  # the forecasts' step settles a day-first/month-first reading that is otherwise a tie
                step = infer_frequency(pd.Series(times.drop_duplicates().sort_values()))
                parsed = parse_text_times(
                    raw, where, step.freqstr if step is not None else None, **table.dates
                )
            parsed = _in_zone(parsed, getattr(times.dtype, "tz", None), where)
        else:
            parsed = raw.astype(times.dtype)
    except DataError:  # the reader's own (day-first and month-first dates mixed, ...): it names the fix
        raise
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{where}: its times ({raw.head(3).tolist()} ...) do not read as the forecasts' times "
            f"({times.dtype}, e.g. {times.iloc[0]}): {error}"
        ) from None
    unread = np.flatnonzero((parsed.isna() & raw.notna()).to_numpy())
    if unread.size:
        raise DataError(
            f"{where} has values that do not read as the forecasts' times ({times.dtype}, e.g. "
            f"{times.iloc[0]}) at {table.rows_text(unread)} (e.g. {raw.iloc[unread[0]]!r}); fix those rows, "
            "or pass read_options (e.g. {'date_format': '%d.%m.%Y'}) as the model was fitted with."
        )
    return parsed


def _warn_if_times_go_back(table, time_col: str, parsed: pd.Series, id_col: str, what: str) -> None:
    """Warn when a CSV's text dates, as read, go back in time within a series: a format the detector
    reads two ways (``00:00 09/10/2016``: month first, ``00:00 13/10/2016``: day first) gives a wrong
    scale without an error; ``fit`` refuses such a file, so the fix is the ``read_options`` of the fit."""
    text = table.frame[time_col]
    if (
        not table.is_file
        or not pd.api.types.is_datetime64_any_dtype(parsed)
        or pd.api.types.is_datetime64_any_dtype(text)
    ):
        return
    series = table.frame[id_col] if id_col in table.frame.columns else pd.Series(0, index=parsed.index)
    back = np.flatnonzero((parsed.groupby(series.to_numpy(), sort=False).diff() < pd.Timedelta(0)).to_numpy())
    if back.size:
        warn_on_rank_zero(
            f"{what} ({table.name}): column {time_col!r} goes back in time at {table.rows_text(back)} "
            f"({text.iloc[back[0]]!r} read as {parsed.iloc[back[0]]}): its dates may be misread (fit refuses "
            "such a file). Pass read_options=... as the model was fitted with (e.g. {'date_format': "
            "'%H:%M %d/%m/%Y'}), or sort the file by time.",
            UserWarning,
            stacklevel=None,  # evaluate's caller
        )


def _in_zone(parsed: pd.Series, tz, where: str) -> pd.Series:
    """Dates in the forecasts' zone ``tz``: zone-less ones localised there, zoned ones (a CSV's UTC
    offsets, read as UTC when they change at a daylight-saving switch) converted."""
    zone = getattr(parsed.dt, "tz", None)
    if tz is None:
        if zone is not None:
            raise DataError(
                f"{where} has times with a UTC offset (e.g. {parsed.dropna().iloc[0]}), the forecasts' times "
                "have none; pass the table the model was fitted on (or drop the offsets: "
                "df[col] = df[col].dt.tz_localize(None))."
            )
        return parsed
    return parsed.dt.tz_localize(tz) if zone is None else parsed.dt.tz_convert(tz)


def join_actuals(
    points: pd.DataFrame, actuals, layout: Layout, id_col: str, read_options: Mapping[str, Any] | None
) -> np.ndarray:
    observed = series_table(actuals, "actuals", layout, id_col, points["time"], read_options)
    stacked = observed.stack(future_stack=True).rename("actual")  # (time, series) -> value
    keys = pd.MultiIndex.from_arrays([points["time"], points["series"]])
    values = stacked.reindex(keys).to_numpy()
    if np.isnan(values).all():
        raise DataError(
            f"actuals cover {observed.index.min()} .. {observed.index.max()} but hold no value at the "
            f"forecast times {points['time'].min()} .. {points['time'].max()}; pass the observed values "
            "of the forecast period."
        )
    return values
