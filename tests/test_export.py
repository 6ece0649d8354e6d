"""Exports round-trip through safetensors + JSON, are atomic, and refuse broken folders."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.atomic import atomic_path
from ssm_ts.errors import CheckpointError, ConfigError
from ssm_ts.export import CONFIG_FILE, WEIGHTS_FILE, load_export, save_export


def test_round_trip(tmp_path):
    state = {"w": torch.randn(3, 4), "b": torch.zeros(4)}
    save_export(tmp_path / "m", {"name": "x", "sizes": [3, 4]}, state, {"mean": [0.5]})
    config, loaded, extras = load_export(tmp_path / "m")
    assert config == {"name": "x", "sizes": [3, 4]} and extras == {"mean": [0.5]}
    assert torch.equal(loaded["w"], state["w"])


def test_overwrite_replaces_whole_folder(tmp_path):
    save_export(tmp_path / "m", {"v": 1}, {"w": torch.ones(1)})
    save_export(tmp_path / "m", {"v": 2}, {"w": torch.zeros(1)})
    assert load_export(tmp_path / "m")[0] == {"v": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_missing_or_corrupt_files_raise_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="no saved model"):
        load_export(tmp_path / "nothing")
    save_export(tmp_path / "m", {"v": 1}, {"w": torch.ones(1)})
    (tmp_path / "m" / WEIGHTS_FILE).write_bytes(b"not safetensors")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_export(tmp_path / "m")
    (tmp_path / "m" / CONFIG_FILE).unlink()
    with pytest.raises(CheckpointError, match="config.json is missing"):
        load_export(tmp_path / "m")


def test_non_json_config_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="JSON"):
        save_export(tmp_path / "m", {"bad": object()}, {})
    assert not (tmp_path / "m").exists()


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole"
