"""Runs the Triton kernel cases (``triton_cases.py``) in a subprocess: under the CPU interpreter
always, and compiled on CUDA when a GPU is present.

``TRITON_INTERPRET`` must be set before Triton kernels are defined, and the CUDA run makes CUDA the
default device; setting either here would change how every other test in this process runs, so each
run gets its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

CASES = Path(__file__).with_name("triton_cases.py")


def run_cases(interpret: bool) -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("SSM_TS_BACKEND", None)
    env.pop("TRITON_INTERPRET", None)
    if interpret:
        env["TRITON_INTERPRET"] = "1"
    command = [sys.executable, "-m", "pytest", str(CASES), "-q", "-x", "-p", "no:cacheprovider"]
    # The project's addopts name plugins (nbmake) that a bare GPU image may lack; the cases need none.
    command += ["-o", "addopts="]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=CASES.parents[2])


def assert_all_passed(result: subprocess.CompletedProcess, what: str) -> None:
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]


def test_every_triton_op_matches_its_reference_under_the_interpreter():
    assert_all_passed(run_cases(interpret=True), "interpreter cases")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="compiled Triton kernels need a GPU")
def test_every_compiled_triton_op_matches_its_reference_on_cuda():
    assert_all_passed(run_cases(interpret=False), "compiled CUDA cases")
