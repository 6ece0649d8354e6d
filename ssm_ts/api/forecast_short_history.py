"""A forecast asked of new rows alone: a file of the rows after the fitted data (today's export), too
short for the lookback. The error said "Pass a longer history"; it now says that the rows start after
the fitted data ends and how to give both."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ssm_ts.api.forecast_saved_read_options import fitted_csv_keywords
from ssm_ts.errors import DataError
from ssm_ts.pipelines.csv_files import csv_read_keywords_used
from ssm_ts.pipelines.csv_options import DATE_OPTIONS
from ssm_ts.pipelines.forecasting.forecast_inputs import BOTH_ROWS_FIX
from ssm_ts.pipelines.forecasting.named_data import named_source
from ssm_ts.pipelines.forecasting.parquet_table import is_parquet_file
from ssm_ts.pipelines.forecasting.read_code import keywords_text
from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec

_SHORT = "(the lookback)"  # the words of every too-short error of forecast_inputs


@contextmanager
def new_rows_alone_named(
    history: pd.DataFrame | None, frame: pd.DataFrame, spec: SeriesSpec
) -> Iterator[None]:
    """A too-short :class:`DataError` raised inside gets the fix for rows that start after ``history``
    (the fitted data, wide, ``spec.time_col`` and ``spec.targets``) ends: give them after the earlier rows.
    ``frame`` (wide, checked) is the data asked to forecast, a CSV whose name the error holds
    (:func:`~ssm_ts.pipelines.forecasting.named_data.named_source`) read in the fix as predict read it;
    other errors pass unchanged."""
    try:
        yield
    except DataError as error:
        hint, fix = (
            _after_history(history, frame, spec, named_source(error)) if _SHORT in str(error) else ("", "")
        )
        if not hint or type(error) is not DataError:
            raise
        named = DataError(f"{error} {hint}")
        setattr(named, BOTH_ROWS_FIX, fix)  # the words a front end with no Python call says in its own terms
        raise named from error


def _after_history(
    history: pd.DataFrame | None, frame: pd.DataFrame, spec: SeriesSpec, source: str | None
) -> tuple[str, str]:
    """``(hint, fix)``: the hint for rows of ``frame`` that start after ``history`` ends, and its fix's
    words that give both (within ``hint``); ``("", "")`` when they do not."""
    if history is None or frame.empty or spec.time_col not in history.columns:
        return "", ""
    observed = history[spec.targets].notna().any(axis=1)
    if not observed.any():
        return "", ""
    first, fitted_end = frame[spec.time_col].iloc[0], history.loc[observed, spec.time_col].max()
    try:
        after = bool(first > fitted_end)
    except TypeError:  # times of another kind (a zone, Periods): no such comparison to make
        return "", ""
    if not after:
        return "", ""
    fix = (
        "so give the new rows after the earlier ones (Python: "
        f"{_both_rows_code(spec.read_options, source, fitted_csv_keywords(spec))}; CLI: --data.path a file "
        "holding both)"
    )
    return (
        f"Its rows start at {first}, after the data the model was fitted on ends ({fitted_end}): a forecast "
        f"reads the rows before its first step, {fix}.",
        fix,
    )


def _both_rows_code(
    read_options: dict, source: str | None = None, earlier: dict[str, Any] | None = None
) -> str:
    """The Python that gives the earlier rows with the new ones, each CSV read as it was read: the new
    rows' CSV ``source`` with the keywords predict read it with (the separator, decimal mark and encoding
    it detected there, then the fit's ``read_options`` that pandas takes; ``pd.read_csv(path)`` alone reads
    a ';' file with decimal commas as one text column), the earlier file with ``earlier``, those the fit
    read its CSV with (:func:`~ssm_ts.api.forecast_saved_read_options.fitted_csv_keywords`; ``None``: not
    known, read as the new file). Where the fit's ``read_options`` hold date options a DataFrame's times
    are not read with: the new rows appended to the file the fit read, which ``predict`` reads with them.
    New rows in a Parquet file are read with ``pd.read_parquet``."""
    if any(key in DATE_OPTIONS for key in read_options):
        return (
            f"append the new rows to a copy of the file the fit read, written as it is, and pass its path, "
            f"e.g. model.predict('both.csv'), which reads it with the fit's read_options {read_options}"
        )
    if _is_parquet(source):  # its rows as a DataFrame reads them: no CSV keywords, nor a note of them
        return "model.predict(pd.concat([pd.read_parquet(earlier_path), pd.read_parquet(new_path)]))"
    detected = _detected_keywords(source, read_options)
    new = detected if detected is not None else dict(read_options)  # (new rows of no CSV file)
    first = new if earlier is None else earlier
    read = f"pd.read_csv(earlier_path{keywords_text(first)}), pd.read_csv(new_path{keywords_text(new)})"
    if detected is not None and first != detected:  # the files are written differently: each read as it is
        said = f", the earlier file read as the fit read it, {source} as predict read it"
        if read_options:
            said += f" (with the fit's read_options {read_options})"
    elif read_options:
        said = f", read with the fit's read_options {read_options}"
    elif detected is not None:
        said = f", read as predict read {source}" if detected else ""
    elif first:  # the earlier file as the fit read it; the new rows' file is not known here
        said = " (earlier_path read as the fit read it; new_path with sep=';', decimal=',' if written so)"
    else:
        said = " (with pd.read_csv's sep=';', decimal=',' for files written so)"
    return f"model.predict(pd.concat([{read}])){said}"


def _is_parquet(source: str | None) -> bool:
    """Whether ``source``, the name of the data asked to forecast, is a Parquet file."""
    if source is None:
        return False
    path = Path(source).expanduser()
    return path.is_file() and is_parquet_file(path)


def _detected_keywords(source: str | None, read_options: dict) -> dict[str, Any] | None:
    """``{"sep": ";", "decimal": ","}``, the ``pd.read_csv`` keywords that read the CSV file ``source`` as
    predict did with ``read_options`` (the separator, decimal mark and encoding it detected, then the
    options pandas takes; ``{}``: none); ``None`` where ``source`` is no CSV file (a DataFrame, a Parquet
    file)."""
    if source is None or _is_parquet(source) or not Path(source).expanduser().is_file():
        return None
    return csv_read_keywords_used(Path(source).expanduser(), dict(read_options))
