"""ssm-ts's warnings about the data show once in a fit of several processes, on global rank 0.

Under ``ddp_spawn`` every process sets up its own data module from the same CSV: the warning naming a
missing-value code (``-9999``) in it was printed once per process. The two-process fit that checks it
is tests/test_ddp_equivalence.py's (one spawn for both checks)."""

from __future__ import annotations

import warnings

import pytest
from lightning.fabric.utilities.rank_zero import rank_zero_only

from ssm_ts.rank_zero_warnings import warn_on_rank_zero


def test_a_warning_shows_at_the_callers_line_on_rank_zero_and_not_on_another_rank(monkeypatch):
    with pytest.warns(UserWarning, match="on rank 0") as shown:
        warn_on_rank_zero("on rank 0")
    assert shown[0].filename == __file__
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        warn_on_rank_zero("on rank 1")
    assert shown == []
