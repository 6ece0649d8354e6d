"""The MLflow forecast model says a too-short request's fixes in request terms. It found
``Forecaster.predict``'s words with regexes of its own (``Pass a longer history``, ``so give the new rows
after the earlier ones (Python: ...; CLI: ...)``), far from the text, so a rewording there would have
silently left the Python and CLI fixes in the served message. The patterns now sit beside the text
(``forecast_inputs.LONGER_HISTORY``), and the new-rows fix is a field of the error
(``BOTH_ROWS_FIX``) the model replaces as it is. Real data: ETTh1."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import forecast_inputs
from ssm_ts.pipelines.forecasting.forecast_inputs import BOTH_ROWS_FIX, LONGER_HISTORY
from tests.test_pyf40_short_request import LOOKBACK, ROWS, pyfunc_of


@pytest.fixture(scope="module")
def ot_rows(shared_data) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"])
    return frame.iloc[: ROWS + 10]


def test_the_new_rows_fix_is_a_field_of_the_error_and_the_served_message_replaces_it(ot_rows, monkeypatch):
    model = pyfunc_of(ot_rows.iloc[:ROWS], target="OT")
    new = ot_rows.iloc[ROWS:].reset_index(drop=True)
    with pytest.raises(DataError) as caught:
        model.forecaster.predict(new)
    fix = getattr(caught.value, BOTH_ROWS_FIX)
    assert fix.startswith("so give the new rows after the earlier ones (Python: model.predict(pd.concat(")
    assert fix.endswith("CLI: --data.path a file holding both)") and fix in str(caught.value)
    assert LONGER_HISTORY.search(str(caught.value))
    # a fix worded otherwise is still replaced: the model reads the field, not a pattern of its words
    from ssm_ts.api import forecast_short_history

    monkeypatch.setattr(forecast_short_history, "_both_rows_code", lambda *args: "concatenate the files")
    with pytest.raises(DataError) as served:
        model.predict(None, new)
    said = str(served.value)
    assert "concatenate the files" not in said and "Python" not in said
    assert said.endswith("so send the earlier rows, then the new ones, in the same request (the model keeps no "
                         "rows of earlier requests).")  # fmt: skip
    assert f"Send at least {LOOKBACK} rows in the request." in said


def test_the_longer_history_pattern_is_the_text_it_finds():
    assert LONGER_HISTORY.fullmatch(f"{forecast_inputs.LONGER_HISTORY_FIX}.")
    assert LONGER_HISTORY.fullmatch(f"{forecast_inputs.LONGER_HISTORY_FIX} of them.").group(1) == " of them"
