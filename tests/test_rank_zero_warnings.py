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


def _module(name: str, source: str, **names) -> dict:
    """A module named ``name`` (its frames read as that package's) defining ``source``'s functions."""
    namespace = {"__name__": name, **names}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace


def test_stacklevel_none_shows_the_users_line_however_deep_the_library_and_its_frameworks_call():
    # a reader deep in ssm-ts, reached through a framework (Lightning's fit calling a data module back)
    reader = _module(
        "ssm_ts.pipelines.reader",
        "def read(depth):\n    return read(depth - 1) if depth else warn('odd data', UserWarning, stacklevel=None)",
        warn=warn_on_rank_zero,
    )
    framework = _module("lightning.pytorch.trainer", "def fit(call):\n    return call()")
    api = _module(
        "ssm_ts.api.fit",
        "def fit(depth):\n    return framework(lambda: read(depth))",
        framework=framework["fit"],
        read=reader["read"],
    )
    for depth in (0, 3):
        with pytest.warns(UserWarning, match="odd data") as shown:
            api["fit"](depth)
        assert [w.filename for w in shown] == [__file__]
    # through ssm-ts's command line the source is not printed: the warning keeps ssm-ts's own line
    cli = _module("ssm_ts.cli.main", "def main():\n    return fit(2)", fit=api["fit"])
    with pytest.warns(UserWarning, match="odd data") as shown:
        cli["main"]()
    assert [w.filename for w in shown] == ["<ssm_ts.pipelines.reader>"]
    # nor in a process or thread ssm-ts or Lightning started (a loader worker, ddp_spawn's), where no
    # user's frame is: the launcher's line would tell nothing, and the command line would print it in full
    worker = _module("multiprocessing.process", "def run():\n    return fit(1)", fit=api["fit"])
    with pytest.warns(UserWarning, match="odd data") as shown:
        worker["run"]()
    assert [w.filename for w in shown] == ["<ssm_ts.pipelines.reader>"]
