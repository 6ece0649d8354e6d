"""The benchmark scripts' own behaviour, with what they measure stubbed out.

A smoke run (``--quick``) writes ``results/<name>_quick.json``: checking that a script runs must not
overwrite the results of the full run that docs/benchmarks.md quotes (``bench_kernels --quick`` replaced
the GPU figures in ``results/bench_kernels.json``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# script -> (its functions that measure, replaced by stubs returning nothing; extra arguments)
SCRIPTS = {
    "bench_kernels": ({"build_cases": [], "cpu_rows": []}, ["--device", "cpu"]),
    "tune_kernels": (
        {"vandermonde_sweep": [], "diag_scan_sweep": [], "ssm_step_rows": []},
        ["--device", "cpu"],
    ),
    "classify_audio_scale": ({"plan": []}, []),
    "forecast_defaults": ({"run_case": {}, "table_rows": []}, ["--only", "ILI"]),
    "classify_uea": ({"datasets": []}, []),
}


@pytest.fixture
def load_script(monkeypatch, tmp_path):
    """Import ``benchmarks/<name>.py`` with its results folder in ``tmp_path``; undo its sys.path and modules."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)

    def load(name: str):
        spec = importlib.util.spec_from_file_location(f"benchmark_{name}", BENCHMARKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        if "_common" in sys.modules:  # rocket_reference.py imports nothing of the project
            monkeypatch.setattr(sys.modules["_common"], "RESULTS_DIR", tmp_path / "results")
        for attribute, value in (("RESULTS_DIR", tmp_path / "results"), ("REPO", tmp_path)):
            if hasattr(module, attribute):
                monkeypatch.setattr(module, attribute, value)
        return module

    yield load
    for name in set(sys.modules) - before:
        if name in ("_common", "bench_kernels") or name.startswith("benchmark_"):
            del sys.modules[name]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("quick", [True, False])
def test_a_quick_run_writes_its_own_results_file(script, quick, load_script, monkeypatch, tmp_path):
    module = load_script(script)
    stubs, arguments = SCRIPTS[script]
    for function, result in stubs.items():
        monkeypatch.setattr(module, function, lambda *args, result=result, **kwargs: result)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *arguments, *(["--quick"] if quick else [])])
    module.main()
    written = sorted(p.name for p in (tmp_path / "results").glob("*.json"))
    assert written == [f"{script}_quick.json" if quick else f"{script}.json"]


def test_rocket_reference_without_aeon_says_which_environment_to_use(load_script, monkeypatch):
    """It ran in the project's environment (no aeon) into a bare ModuleNotFoundError traceback."""
    module = load_script("rocket_reference")
    monkeypatch.setattr(module, "limit_threads", lambda threads: None)  # it sets thread variables
    monkeypatch.setitem(sys.modules, "aeon", None)  # import aeon fails, installed or not
    monkeypatch.setattr(sys, "argv", ["rocket_reference.py", "--only", "ArrowHead"])
    with pytest.raises(SystemExit, match=r"aeon.*its own aeon environment.*pip install aeon=="):
        module.main()


@pytest.mark.parametrize(
    ("script", "arguments"),
    [
        ("bench_kernels", ["--device", "cuda"]),
        ("tune_kernels", []),  # its default device is CUDA
        ("generation_speed", ["--device", "cuda"]),
        ("forecast_ett", ["--cases", "--device", "cuda:0"]),
    ],
)
def test_a_cuda_device_on_a_machine_without_one_is_a_message(script, arguments, load_script, monkeypatch):
    """torch's "Found no NVIDIA driver" traceback came from deep inside the first CUDA allocation."""
    import torch

    module = load_script(script)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(sys, "argv", [f"{script}.py", *arguments])
    with pytest.raises(SystemExit, match=r"--device cuda(:0)?: no CUDA device here.*--device cpu"):
        module.main()
