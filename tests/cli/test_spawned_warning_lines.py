"""Under ``--trainer.strategy ddp_spawn`` every rank, 0 included, runs in a process the fit starts, where
ssm-ts's warnings had Python's form (``/.../ssm_ts/x.py:12: UserWarning: ...`` and the source line),
not the command's one line: the format is set in the command's own process only. The trainer's
:class:`~ssm_ts.cli.spawned_warnings.SpawnedWarningLines`, pickled into each started process, sets it
there. Checked in one process: the callback unpickled as in a started one."""

from __future__ import annotations

import multiprocessing
import pickle
import warnings

import pytest

from ssm_ts.cli.spawned_warnings import SpawnedWarningLines
from ssm_ts.cli.warning_lines import short_warnings
from ssm_ts.rank_zero_warnings import __file__ as OWN_SOURCE

LINE = "ssm-ts forecast: warning: a warning of ssm-ts's\n"


@pytest.fixture
def python_format(monkeypatch):
    """Python's own format, as a started process has it; put back after the test."""
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)


def _written(message: str, filename: str) -> str:
    return warnings.formatwarning(message, UserWarning, filename, 1)


def test_unpickled_in_a_started_process_it_sets_the_one_line_format(python_format, monkeypatch):
    callback = pickle.dumps(SpawnedWarningLines("forecast"))
    monkeypatch.setattr(multiprocessing.current_process(), "name", "SpawnProcess-1")  # a started process
    pickle.loads(callback)
    installed = warnings.formatwarning
    assert _written("a warning of ssm-ts's", OWN_SOURCE) == LINE
    assert "UserWarning: torch's" in _written("torch's", pytest.__file__)  # others keep Python's form
    pickle.loads(callback)  # a second copy: the format is not wrapped again
    assert warnings.formatwarning is installed


def test_in_the_command_s_own_process_it_changes_nothing(python_format):
    before = warnings.formatwarning
    pickle.loads(pickle.dumps(SpawnedWarningLines("forecast")))  # a copy in the command's process
    assert warnings.formatwarning is before
    with short_warnings("forecast", verbose=False):
        assert _written("a warning of ssm-ts's", OWN_SOURCE) == LINE
    assert warnings.formatwarning is before


def test_the_config_saving_callback_goes_to_a_started_process_as_its_text(tmp_path):
    """ddp_spawn pickles the trainer's callbacks into each process: the config-saving one held the
    command's parser, which holds the use's CLI class (made per use), and the fit failed at once with
    "Can't pickle local object 'run_use.<locals>.UseCLI'"."""
    from types import SimpleNamespace

    from jsonargparse import Namespace

    from ssm_ts.cli.save_config import MLflowSaveConfig

    class Parser:  # a local class: not picklable, as the command's parser
        def dump(self, config, skip_none):
            return f"out: {config.out}\n"

    callback = MLflowSaveConfig(Parser(), Namespace(out=str(tmp_path)), save_to_log_dir=False)
    started = pickle.loads(pickle.dumps(callback))
    started.save_config(SimpleNamespace(loggers=[]), None, "fit")
    assert (tmp_path / "config.yaml").read_text() == f"out: {tmp_path}\n"
