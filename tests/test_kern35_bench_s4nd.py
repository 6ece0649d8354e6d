"""benchmarks/bench_core.py --s4nd times the 2-D S4ND encoder and writes its own JSON file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_s4nd_quick_run_writes_its_rows(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", [str(BENCHMARKS), *sys.path])
    spec = importlib.util.spec_from_file_location("benchmark_bench_core_kern35", BENCHMARKS / "bench_core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys.modules["_common"], "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(sys, "argv", ["bench_core.py", "--s4nd", "--quick", "--repeats", "1"])
    module.main()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench_core_s4nd_quick.json"]
    (row,) = json.loads((tmp_path / "bench_core_s4nd_quick.json").read_text())["rows"]
    assert row["train_step_seconds"] > 0 and row["predict_seconds"] > 0 and row["frames"] == 8
