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


@pytest.fixture
def line_use(monkeypatch, tmp_path) -> None:
    """``ssm-ts line ...``: a fake use (tests.cli.fake_use: a line fitted in seconds) to test the CLI's
    machinery, run in the test's folder."""
    from ssm_ts import cli

    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)
    monkeypatch.chdir(tmp_path)
