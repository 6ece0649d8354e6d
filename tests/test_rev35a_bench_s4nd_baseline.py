"""benchmarks/bench_core.py --s4nd times the 2-D S4ND encoder, and the 2-D FFT baseline that
docs/benchmarks.md compares with, on the one CPU thread the docs' row names (the run used torch's
default threads and timed no baseline), and writes its own JSON file."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import torch

from ssm_ts.models.s4nd import S4NDConv2d, s4nd_conv2d_reference

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_s4nd_run_times_the_2d_fft_baseline_on_one_thread(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "path", [str(BENCHMARKS), *sys.path])
    spec = importlib.util.spec_from_file_location("benchmark_bench_core_rev35a", BENCHMARKS / "bench_core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys.modules["_common"], "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(sys, "argv", ["bench_core.py", "--s4nd", "--quick", "--repeats", "1"])
    threads = torch.get_num_threads()
    baseline_calls = []

    def counted_reference(conv, x, rate=(1.0, 1.0)):
        baseline_calls.append(torch.get_num_threads())
        return s4nd_conv2d_reference(conv, x, rate)

    monkeypatch.setattr("ssm_ts.models.s4nd.s4nd_conv2d_reference", counted_reference)
    module.main()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench_core_s4nd_quick.json"]
    payload = json.loads((tmp_path / "bench_core_s4nd_quick.json").read_text())
    (row,) = payload["rows"]
    assert row["train_step_seconds"] > 0 and row["predict_seconds"] > 0 and row["frames"] == 8
    assert row["fft2_train_step_seconds"] > 0 and row["fft2_predict_seconds"] > 0
    assert baseline_calls and set(baseline_calls) == {1}
    assert payload["machine"]["cpu_threads"] == 1
    assert torch.get_num_threads() == threads  # restored for the rest of the session
    assert S4NDConv2d.forward is not counted_reference  # the layer's own forward is back


def test_reference_is_the_layer_by_2d_fft():
    torch.manual_seed(0)
    conv = S4NDConv2d(d_model=3, d_state=4).double()
    x = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    torch.testing.assert_close(conv(x, (0.5, 2.0)), s4nd_conv2d_reference(conv, x, (0.5, 2.0)))
