"""A config given through a pipe (``--config /dev/stdin`` or ``--config <(...)``) is read once, by the parser:
the other-use and search-config checks read each file before it, and reading a pipe empties it, so the
parser found no config ("Unexpected config")."""

from __future__ import annotations

import os

import pytest

from ssm_ts.tasks.config_use import config_contents


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_a_piped_config_is_left_whole_for_the_parser():
    read, write = os.pipe()
    try:
        os.write(write, b"model:\n  lookback: 4\n")
        os.close(write)
        assert config_contents(["fit", "--config", f"/dev/fd/{read}"]) == []
        assert os.read(read, 1000) == b"model:\n  lookback: 4\n"
    finally:
        os.close(read)


def test_a_config_file_is_still_read(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  lookback: 4\n")
    assert config_contents([f"--config={config}"]) == [(f"{config}", {"model": {"lookback": 4}})]
