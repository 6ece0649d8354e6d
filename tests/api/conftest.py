"""Fixtures shared by the API tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ssm_ts import Forecaster


@pytest.fixture
def fits(monkeypatch) -> list[tuple[Forecaster, object]]:
    """Every ``(forecaster, data module)`` trained while the test runs (a backtest's refits)."""
    seen: list[tuple[Forecaster, object]] = []
    train = Forecaster._train

    def spy(self, datamodule, resume=False):
        seen.append((train(self, datamodule, resume), datamodule))
        return seen[-1][0]

    monkeypatch.setattr(Forecaster, "_train", spy)
    return seen


@pytest.fixture
def optuna_records() -> Iterator[list[logging.LogRecord]]:
    """The log records Optuna's own handler receives while the test runs (its logger does not propagate,
    so caplog misses them): a failed trial's warning, to check it is one line without a traceback."""
    import optuna  # noqa: F401 (its "optuna" logger is set up on import)

    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("optuna").addHandler(handler)
    yield records
    logging.getLogger("optuna").removeHandler(handler)
