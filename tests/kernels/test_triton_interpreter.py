"""Runs the Triton interpreter cases in a subprocess with TRITON_INTERPRET=1.

The variable must be set before Triton kernels are defined, and setting it here would change how
every other test in this process dispatches; a subprocess keeps the rest of the suite unaffected.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CASES = Path(__file__).with_name("triton_interpreter_cases.py")


def test_every_triton_op_matches_its_reference_under_the_interpreter():
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    env.pop("SSM_TS_BACKEND", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(CASES),
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=CASES.parents[2],
    )
    assert result.returncode == 0, (
        f"interpreter cases failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}"
    )
    assert " passed" in result.stdout and "skipped" not in result.stdout, result.stdout[-2000:]
