"""``ssm-ts forecast predict --data.path today.csv`` on the new rows alone, fewer than the lookback:
the error said "Pass a longer history". The command knows the file the fit read, so it names it as
the rows to give with the new ones (``Forecaster.predict`` compares the times: :mod:`ssm_ts.api.forecast_short_history`)."""

from __future__ import annotations

from pathlib import Path

from ssm_ts.cli.option_spelling import command_argument
from ssm_ts.cli.restored_data import FIT_FILE_PATHS, GIVEN_FILE_SETTINGS, READ_OPTIONS, RESTORED_DATA_SETTINGS
from ssm_ts.errors import DataError, SSMTSError

_SHORT = "(the lookback)"  # the words of every too-short error of the forecasting pipeline


def short_file_hint(err: SSMTSError) -> str:
    """For a too-short ``--data.path`` that is not the file the fit read: that file, as the earlier rows
    to give with the new ones; ``""`` otherwise."""
    fitted, given = FIT_FILE_PATHS.get("data.path"), GIVEN_FILE_SETTINGS.get("data.path")
    if type(err) is not DataError or _SHORT not in str(err) or not fitted or not given:
        return ""
    if Path(str(given)).expanduser().resolve() == Path(fitted).resolve():
        return ""
    options = RESTORED_DATA_SETTINGS.get(READ_OPTIONS)  # the fit's, in effect: they read the copy too
    written = (
        f", written as {Path(fitted).name} is (the fit's --{READ_OPTIONS} {command_argument(dict(options))} read it)"
        if options
        else ""
    )
    return (
        f"\n(the fit read {fitted}: a forecast reads the rows before its first step, so give new rows after "
        f"the earlier ones, e.g. --data.path a copy of {Path(fitted).name} with the new rows appended{written})"
    )
