"""Test helper: the missing-future errors whose fix builds ``futr`` (wide and long tables alike), checked by
pasting the fix and forecasting with it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError

HORIZON, ROWS = 4, 48  # the models' horizon; the rows of history before the forecast steps
TIMES = pd.date_range("2016-07-01", periods=ROWS + 12, freq="h")


def hourly_frame(time_col: str) -> pd.DataFrame:
    """A wide table over :data:`TIMES`: the target ``OT`` and its known-future covariates ``hour`` and ``dow``."""
    return pd.DataFrame(
        {time_col: TIMES, "OT": np.sin(np.arange(len(TIMES)) / 3), "hour": TIMES.hour.astype(float),
         "dow": TIMES.day_of_week.astype(float)}
    )  # fmt: skip


# (n asked, the call the fix ends with, the steps it forecasts), for a horizon of 4
PASTED_CALLS = pytest.mark.parametrize(
    ("n", "call", "steps"),
    [
        (None, "predict(futr_df=futr)", 4),
        (3, "predict(n=3, futr_df=futr)", 3),
        (6, "predict(n=6, futr_df=futr)", 6),
    ],
)


def refusal(predict: Callable[[], object]) -> str:
    """The text of the :class:`DataError` ``predict()`` raises."""
    with pytest.raises(DataError) as raised:
        predict()
    return str(raised.value)


def check_shorter_n_fix(
    model, history: pd.DataFrame, futr_of: Callable[[str], pd.DataFrame], futr_code: str
) -> None:
    """``history`` holds the covariates for one horizon (4 steps) and ``n=6`` is asked: the error gives both
    fixes, the ``futr_df`` one (whose code starts ``futr = <futr_code>``) first, and the pasted one forecasts."""
    said = refusal(lambda: model.predict(history, n=6))
    assert f"(found 4), or give them apart: futr = {futr_code}" in said, said
    assert said.endswith("then predict(n=6, futr_df=futr), or ask for n <= 4."), said
    assert len(model.predict(history, n=6, futr_df=futr_of(said))) == 6
