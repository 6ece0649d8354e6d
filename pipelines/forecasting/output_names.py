"""Series names that a forecast's own columns take: ``<series>_actual`` (a backtest's actuals),
``<series>_q<level>`` (quantiles), ``<series>_lo-<level>``/``_hi-<level>`` (intervals) and a backtest's
``cutoff``. A series named so beside the series it extends (``sales`` and ``sales_actual``) would be
read as that one's column: the outputs mixed the two up (a long forecast's ``y_actual`` held the other
series' forecast, a quantile column was dropped) or failed in pandas' words. Such names are refused
when the data is read, with the rename that keeps both series."""

from __future__ import annotations

import re

from ssm_ts.errors import DataError

from .read_code import read_first
from .reader import Table

# what the outputs add to a series' name, as the readers of those outputs split them
_OWN_SUFFIX = re.compile(r"_(actual|q[0-9.e+-]+|lo-[0-9.]+|hi-[0-9.]+)$")
_WHAT = {
    "actual": "a backtest's actual values",
    "q": "a quantile",
    "lo": "an interval's bound",
    "hi": "an interval's bound",
}
_CUTOFF = "cutoff"  # a backtest's column of each window's last observed time


def check_output_names(table: Table, targets: list[str]) -> None:
    """Refuse a target (``targets``, the series forecast) named as another target's output column, or
    as a backtest's ``cutoff``.

    Raises:
        DataError: naming the series, whose column it would be taken for, and the rename."""
    names = {str(name) for name in targets}  # a long table's integer ids may still be numbers here
    for name in map(str, targets):
        match = _OWN_SUFFIX.search(name)
        owner = name[: match.start()] if match else None
        if owner in names:
            suffix = match.group(1)
            kind = _WHAT["q" if suffix.startswith("q") else suffix.split("-")[0]]
            new = f"{owner} {suffix}"
            found = f"series {name!r} is named as the column of {kind} of series {owner!r} ({owner!r} + '_{suffix}')"
        elif name == _CUTOFF:
            new = "cutoff value"
            found = f"series {name!r} is named as a backtest's column of each window's cutoff time"
        else:
            continue
        raise DataError(
            f"{table.name}: {found}, which forecasts, backtests and evaluate give their own columns: the two "
            f"would be mixed up. Rename the series, e.g. {_rename_code(table, name, new)}."
        )


def _rename_code(table: Table, name: str, new: str) -> str:
    """The pandas lines that rename series ``name`` to ``new`` in the user's table (a wide table's
    column, a long table's id), reading a CSV first."""
    if table.origin is not None:
        id_col = table.origin.id_col
        code = f"df[{id_col!r}] = df[{id_col!r}].replace({{{name!r}: {new!r}}})"
    else:
        code = f"df = df.rename(columns={{{name!r}: {new!r}}})"
    before, after = read_first(table)
    return f"{before}{code}{after}"
