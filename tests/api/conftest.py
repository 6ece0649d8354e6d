"""Fixtures shared by the API tests."""

from __future__ import annotations

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
