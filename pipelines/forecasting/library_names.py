"""neuralforecast's (and utilsforecast's) argument names that ssm-ts spells otherwise, taken as the
ssm-ts name so that a ported notebook's calls run (``cross_validation(df=Y_df, step_size=24)`` ported
as ``backtest(df=Y_df, step_size=24)``, ``evaluate(..., train_df=train)``)."""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

from ssm_ts.errors import ConfigError

T = TypeVar("T")


def ours_or_theirs(
    method: str,
    ours: str,
    value: T | None,
    theirs: str,
    their_value: T | None,
    library: str = "neuralforecast",
) -> T | None:
    """``value`` (the ssm-ts argument ``ours`` of ``method``), or ``their_value`` given under
    ``library``'s name ``theirs``. Both, unequal (frames: not the same object), is a
    :class:`ConfigError`: one setting under two names, with the call that gives it once."""
    if their_value is None:
        return value
    same = value is their_value or (
        not isinstance(value, pd.DataFrame | pd.Series) and not isinstance(their_value, pd.DataFrame | pd.Series)
        and value == their_value
    )  # fmt: skip
    if value is not None and not same:
        given = theirs if isinstance(their_value, pd.DataFrame | pd.Series) else repr(their_value)
        raise ConfigError(
            f"{method} got {ours}={_shown(value)} and {theirs}={_shown(their_value)}, one argument under two "
            f"names ({theirs} is {library}'s name for {ours}); give one: {method}(..., {ours}={given})."
        )
    return their_value


def _shown(value: object) -> str:
    return "<a DataFrame>" if isinstance(value, pd.DataFrame | pd.Series) else repr(value)
