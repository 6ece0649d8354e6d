"""``Terminated``, which ``Forecaster.fit`` raises when SIGTERM stops it (docs/cli.md), is still importable
from ``ssm_ts.tracking.run_status``, where it was until it moved to ``ssm_ts.tracking.interruptible_call``:
a user's ``except Terminated`` that imports it from there keeps working."""

from __future__ import annotations

import pytest


def test_the_names_moved_to_interruptible_call_import_from_run_status_as_before():
    from ssm_ts.tracking import interruptible_call
    from ssm_ts.tracking.run_status import Terminated, call_interruptibly, interrupted_by_ctrl_c

    assert Terminated is interruptible_call.Terminated
    assert call_interruptibly is interruptible_call.call_interruptibly
    assert interrupted_by_ctrl_c is interruptible_call.interrupted_by_ctrl_c
    assert issubclass(Terminated, KeyboardInterrupt)


def test_a_name_run_status_never_had_is_still_an_attribute_error():
    from ssm_ts.tracking import run_status

    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        run_status.nothing_here  # noqa: B018
