"""set_verbosity(True) after a quiet fit in the same process (a notebook's first fit is quiet) shows
Lightning's hints again, as ``--verbose`` in a fresh process does: quiet's warning filters stayed, so a
verbose Python fit still hid "does not have many workers" and the other hints quiet hides."""

from __future__ import annotations

import logging
import warnings

import pytest

from ssm_ts.training.verbosity import QUIET_LEVELS, set_verbosity

HINT = "The 'train_dataloader' does not have many workers which may be a bottleneck."


@pytest.fixture
def levels_put_back(monkeypatch):
    for name in QUIET_LEVELS:  # the levels set_verbosity sets, put back after the test
        monkeypatch.setattr(logging.getLogger(name), "level", logging.getLogger(name).level)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # quiet's, gone after


def _shown(message: str) -> bool:
    with warnings.catch_warnings(record=True) as caught:  # the filters as they are, put back after
        warnings.warn(message, UserWarning, stacklevel=1)
    return bool(caught)


def test_verbose_after_quiet_shows_lightnings_hints_and_quiet_again_hides_them(levels_put_back):
    with warnings.catch_warnings():  # the filters set_verbosity adds go with the test
        set_verbosity(False)
        assert not _shown(HINT)
        set_verbosity(True)
        assert _shown(HINT)  # was hidden: quiet's filter stayed
        assert _shown("Checkpoint directory /x exists and is not empty.")
        set_verbosity(False)
        assert not _shown(HINT)
        count = len(warnings.filters)
        set_verbosity(True)
        set_verbosity(False)
        assert len(warnings.filters) == count  # toggling adds no filters without end
