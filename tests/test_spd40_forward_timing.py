"""benchmarks/forecast_ett.py --forward-repeats N times SpaceTime's evaluation forward at ETTh1's
multivariate shapes (7 series, lookback 336) beside the training step, and writes the medians."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "forecast_ett.py"


@pytest.fixture
def forecast_ett(monkeypatch, tmp_path):
    """The script imported with its results folder in ``tmp_path``; sys.path and modules restored."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location("benchmark_forecast_ett_spd40", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys.modules["_common"], "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(module, "RESULTS_DIR", tmp_path / "results")
    monkeypatch.setattr(module, "FORWARD_SHAPES", [(2, 4), (1, 8)])  # small: seconds, not minutes
    yield module
    for name in set(sys.modules) - before:  # the script's own modules; torch's stay imported
        if name in ("_common", "_inputs") or name.startswith("benchmark_"):
            del sys.modules[name]


def test_forward_repeats_time_the_evaluation_forward_of_each_shape(
    forecast_ett, monkeypatch, tmp_path, capsys
):
    argv = ["forecast_ett.py", "--cases", "--step-repeats", "0", "--forward-repeats", "1", "--threads", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    forecast_ett.main()
    timing = json.loads((tmp_path / "results" / "forecast_ett.json").read_text())["spacetime_forward"]
    assert set(timing["median_seconds"]) == {"batch2_horizon4", "batch1_horizon8"}
    assert all(seconds > 0 for seconds in timing["median_seconds"].values())
    assert timing["repeats"] == 1 and timing["threads"] == 1
    assert timing["options"]["d_model"] == forecast_ett.MODEL_OPTIONS["spacetime"]["d_model"]
    assert "SpaceTime evaluation forward" in capsys.readouterr().out


def test_forward_timing_is_off_by_default(forecast_ett, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", ["forecast_ett.py", "--cases", "--step-repeats", "0"])
    monkeypatch.setattr(
        forecast_ett, "time_spacetime_forward", lambda *a: pytest.fail("timed without asking")
    )
    forecast_ett.main()
    assert "spacetime_forward" not in json.loads((tmp_path / "results" / "forecast_ett.json").read_text())
