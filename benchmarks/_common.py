"""Helpers shared by the benchmark scripts: result files, tables, medians, peak memory."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from ssm_ts.atomic import atomic_path

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"


def machine_info() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
    }


def median_time(fn: Callable[[], Any], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def current_rss_mib() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def check_device(device: str) -> None:
    """Exit with a message when ``device`` is CUDA and this machine has none (torch's is a traceback)."""
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device {device}: no CUDA device here; run on a machine with a GPU, or pass --device cpu")


def results_name(name: str, quick: bool) -> str:
    """``name``, or ``<name>_quick`` for a smoke run: checking a script never overwrites a full run's results."""
    return f"{name}_quick" if quick else name


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``results/<name>.json`` atomically and return its path."""
    target = RESULTS_DIR / f"{name}.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2))
    return target


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    def fmt(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    widths = [max([len(c), *(len(fmt(r.get(c, ""))) for r in rows)]) for c in columns]  # no rows: the header
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(fmt(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)))
