"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts.data_fetch import ENV_DATA_HOME


@pytest.fixture
def data_home(shared_data, tmp_path, monkeypatch, single_thread) -> Path:
    """The test's folder as the working directory, with the shared test data as the data home
    ($SSM_TS_DATA_HOME): ``--data.path ETTh1`` and the packaged configs' data sets resolve there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    return tmp_path
