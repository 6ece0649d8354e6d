"""The first logging Python fit of a process is quiet from its MLflow logger on: MLflow's store set-up
lines ("Creating initial MLflow database tables...") and Lightning's "Experiment with name ... not found.
Creating it." came out, the logger and its store being made before the fit's trainer set the levels.
With ``set_verbosity(True)`` they still show."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.training import set_verbosity
from ssm_ts.training.verbosity import QUIET_LEVELS

SET_UP_LINES = ("Creating initial MLflow database tables", "not found. Creating it")
# the loggers they come through: MLflow's own (its handler; it does not propagate) and Lightning's logger's
SAYING = ("mlflow", "lightning.pytorch.loggers.mlflow")


class Said(logging.Handler):
    """The messages of the records logged at a level shown."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def fresh_process_levels(monkeypatch):
    """The levels of a process that has not fitted yet (MLflow's import leaves its logger at INFO,
    Lightning its own), and what the loggers say; all as before after the test (quiet chosen)."""
    said = Said()
    for name in QUIET_LEVELS:
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "level", logging.INFO)
    for name in SAYING:
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", [*logger.handlers, said])
    with warnings.catch_warnings():
        yield said
        set_verbosity(False)


def logging_forecaster(store) -> Forecaster:
    return Forecaster(model="nlinear", lookback=8, horizon=2, max_epochs=1, out_dir=str(store.parent / store.stem),
                      tracking_uri=f"sqlite:///{store}")  # fmt: skip


def test_the_first_logging_fit_hides_mlflow_set_up_lines_unless_verbose(fresh_process_levels, tmp_path):
    said = fresh_process_levels
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=40, freq="D"), "y": np.sin(np.arange(40) / 3.0)}
    )
    # a fresh store: MLflow makes its tables and the experiment
    logging_forecaster(tmp_path / "quiet.db").fit(frame, time_col="date")
    assert not [line for line in SET_UP_LINES if line in said.text()], said.text()

    set_verbosity(True)
    # the fit's MLflow logger only (the lines come while it is made; a fit takes seconds), its experiment
    # made on first use
    assert logging_forecaster(tmp_path / "verbose.db")._make_logger().experiment is not None
    assert [line for line in SET_UP_LINES if line in said.text()] == list(SET_UP_LINES)


def test_a_python_search_hides_mlflow_set_up_lines(fresh_process_levels, tmp_path):
    # the search's own MLflow run is made before any trial's fit quiets output
    from ssm_ts import tune_forecaster

    said = fresh_process_levels
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=40, freq="D"), "y": np.sin(np.arange(40) / 3.0)}
    )
    store = f"sqlite:///{tmp_path / 'tune.db'}"
    tune_forecaster(frame, {"lr": [1e-3]}, sampler="grid", time_col="date", model="nlinear", lookback=8, horizon=2,
                    max_epochs=1, out_dir=str(tmp_path / "out"), tracking_uri=store)  # fmt: skip
    assert not [line for line in SET_UP_LINES if line in said.text()], said.text()
