"""An API error re-raised from itself (``raise error from error``: ``forecast_future_frame`` returns the
same DataError when it has nothing to add) has a ``__cause__`` chain that loops. The MLflow model's
look-up of a fix field on that chain ran for ever (a served request never answered; the
futr_df tests hung)."""

from __future__ import annotations

from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import _raised_fix


def test_a_cause_chain_that_loops_ends_the_look_up():
    error = DataError("the futr_df DataFrame has no column ['hour']")
    error.__cause__ = error
    assert _raised_fix(error, "both_rows_fix") is None


def test_the_fix_is_found_down_the_chain():
    inner = DataError("too short")
    inner.both_rows_fix = "so give the new rows after the earlier ones"
    outer = DataError("too short, reworded")
    outer.__cause__ = inner
    inner.__cause__ = outer  # and back: still found, and the look-up ends
    assert _raised_fix(outer, "both_rows_fix") == "so give the new rows after the earlier ones"
