"""Helpers shared by the benchmark scripts: result files, tables, medians, peak memory, input checks."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _inputs import (  # noqa: F401 (re-exported: the scripts import them from here)
    DATA_SOURCES,
    REPO,
    check_names,
    check_writable,
    git_commit,
    keep_earlier,
    positive,
    positive_count,
    read_results,
    require_files,
    require_folder,
)

import ssm_ts
from ssm_ts.atomic import atomic_path

RESULTS_DIR = REPO / "results"


def machine_info() -> dict[str, Any]:
    """What a reader needs to place a result: versions, threads, device, date (UTC) and commit."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "ssm_ts": ssm_ts.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
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


def alternating_medians(fns: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1) -> dict[str, float]:
    """Median wall time in seconds of each of ``fns`` (name -> function), their timed runs interleaved
    (A B, B A, A B, ...) after ``warmup`` runs of each: a machine whose speed drifts during the timing
    (another process starting, a clock settling) moves every function's times alike, where timing one
    function's runs after the other's gave the drift to one side of the ratio."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for repeat in range(repeats):
        for name in list(fns)[:: 1 if repeat % 2 == 0 else -1]:
            start = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(runs) for name, runs in times.items()}


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
    """Write ``results/<name>.json`` (:func:`write_json`) and return its path."""
    return write_json(RESULTS_DIR / f"{name}.json", payload)


def write_json(target: Path, payload: dict[str, Any]) -> Path:
    """Write ``{"machine": machine_info(), **payload}`` to ``target`` atomically (a crash leaves the
    earlier file or none, never half a file) and return ``target``.

    A file an earlier run left there is kept, as ``<stem>.<its UTC modification time>.json`` (said on
    stderr), the first time this process writes ``target``: re-running a benchmark never silently
    replaces the figures docs/benchmarks.md quotes. Later writes of the same run (a script that
    saves after each case) replace the file in place."""
    target = Path(target)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2))
        kept = keep_earlier(target)
    if kept is not None:
        print(f"kept the earlier {target.name} as {kept}", file=sys.stderr)
    return target


def describe_run(payload: dict[str, Any]) -> str:
    """One line for a printed table: when, at which commit, with which versions, threads, device and
    seeds ``payload`` (a results JSON) was measured; empty for a file written before these were kept."""
    machine = payload.get("machine")
    if not machine:
        return ""
    parts = [
        f"measured {machine.get('date')} at commit {machine.get('git_commit')}",
        f"ssm-ts {machine.get('ssm_ts')}, torch {machine.get('torch')}, python {machine.get('python')}",
        f"{machine.get('cpu_threads')} of {machine.get('cpus')} CPU threads, GPU {machine.get('cuda')}",
    ]
    if "seeds" in payload:
        parts.append(f"seeds {payload['seeds']}")
    return "; ".join(parts)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    def fmt(value: Any) -> str:
        return f"{value:.4g}" if isinstance(value, float) else str(value)

    widths = [max([len(c), *(len(fmt(r.get(c, ""))) for r in rows)]) for c in columns]  # no rows: the header
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(fmt(row.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)))
