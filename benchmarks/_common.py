"""Helpers shared by the benchmark scripts: result files, tables, medians, peak memory, input checks."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

import ssm_ts
from ssm_ts.atomic import atomic_path

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "results"
# Where each data set comes from, for the message of a missing data folder (../shared/data/README.md
# beside a checkout describes them in full).
DATA_SOURCES = {
    "classification": "the UCR/UEA archive's .ts files, one folder per problem "
    "(<problem>/<problem>_TRAIN.ts and _TEST.ts, as shipped in aeon's datasets/data folder)",
    "forecasting": "CSV files with a first column 'date': ETTh1.csv and ETTm1.csv (ETDataset), "
    "exchange_rate.csv and national_illness.csv (the Autoformer / LSTNet collection)",
    "audio": "fsdd/ (Free Spoken Digit Dataset recordings, <digit>_<speaker>_<index>.flac or .wav) and "
    "espeak-digits/ (Speech Commands layout, made by make_digits.py)",
}
_WRITTEN: set[Path] = set()  # result files this process wrote: a later write of the same run replaces them


def git_commit() -> str | None:
    """The checkout's commit, ``<hash>-dirty`` when tracked files differ from it; None outside git."""
    try:
        run = [
            subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, timeout=30).stdout
            for command in (["git", "rev-parse", "HEAD"], ["git", "status", "--porcelain", "-uno"])
        ]
    except (OSError, subprocess.SubprocessError):
        return None
    return run[0].strip() + ("-dirty" if run[1].strip() else "")


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
    _WRITTEN.add(target.resolve())
    return target


def keep_earlier(target: Path) -> Path | None:
    """Link an earlier run's ``target`` to ``<stem>.<modification time>.json`` beside it (once per
    process and target); return that name, or None when there was nothing to keep."""
    if target.resolve() in _WRITTEN or not target.is_file():
        return None
    stamp = datetime.fromtimestamp(target.stat().st_mtime, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    kept = target.with_name(f"{target.stem}.{stamp}{target.suffix}")
    for n in range(1, 1000):
        if not kept.exists():
            break
        kept = target.with_name(f"{target.stem}.{stamp}-{n}{target.suffix}")
    try:
        os.link(target, kept)  # the atomic rename that follows replaces only the name ``target``
    except OSError:
        kept.write_bytes(target.read_bytes())  # file systems without hard links
    return kept


def check_writable(target: Path, option: str) -> None:
    """Exit with a message before a run whose results file ``target`` could not be written (its
    folder cannot be made or written, or it is a folder), instead of a traceback after the run."""
    target = Path(target)
    if target.is_dir():
        sys.exit(f"{option} {target}: that is a folder; pass a file name such as {target / 'results.json'}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".check"):
            pass
    except OSError as error:
        sys.exit(
            f"{option} {target}: cannot write in {target.parent} ({error.strerror}); "
            "pass a path in a folder you can write"
        )


def require_folder(folder: Path, option: str, holds: str, default: Path | None = None) -> Path:
    """``folder``, or exit naming it, what it should hold and how to point the script at another
    (``option``), instead of a traceback from the first file read. ``holds``: e.g.
    ``DATA_SOURCES["forecasting"]``; ``default``: the option's default, said when it is the one missing."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    where = ""
    if default is not None and folder.resolve() == Path(default).resolve():
        where = f" (the default: the shared data folder beside the checkout, {default})"
    sys.exit(
        f"{folder}: no such folder{where}. It should hold {holds}. Pass {option} <the folder that holds "
        "them>; ../shared/data/README.md beside the checkout says where each data set comes from"
    )


def require_files(
    folder: Path, names: Iterable[str], option: str, holds: str, default: Path | None = None
) -> list[Path]:
    """``folder / name`` for each of ``names``, or exit (before any run) naming the folder or the files
    missing from it, what the folder should hold and the option that points at another."""
    require_folder(folder, option, holds, default)
    paths = [Path(folder) / name for name in names]
    missing = [path.name for path in paths if not path.is_file()]
    if missing:
        suffixes = {path.suffix for path in paths}
        present = sorted(path.name for path in Path(folder).iterdir() if path.suffix in suffixes)
        listed = ", ".join(present[:10]) + (", ..." if len(present) > 10 else "") if present else "none"
        sys.exit(
            f"{folder}: no {', '.join(missing)} there (its {'/'.join(sorted(suffixes))} files: {listed}). "
            f"Pass {option} <the folder with {holds}>; ../shared/data/README.md beside the checkout says "
            "where each data set comes from"
        )
    return paths


def check_names(requested: Iterable[str] | None, known: Sequence[str], option: str, where: str) -> None:
    """Exit naming the names in ``requested`` that are not in ``known`` (found in ``where``): a
    misspelt ``--only`` ran nothing and wrote an empty results file."""
    unknown = [name for name in requested or [] if name not in known]
    if unknown:
        sys.exit(
            f"{option} {' '.join(unknown)}: not found in {where}; the names there are: {', '.join(known)}"
        )


def read_results(path: Path, option: str = "--show", key: str = "results") -> dict[str, Any]:
    """The results JSON at ``path`` (a dict with ``key``), or exit saying what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        sys.exit(f"{option} {path}: no such file; pass a results JSON a run wrote (results/<name>.json)")
    try:
        payload = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        sys.exit(f"{option} {path}: not a readable JSON file ({error})")
    if not isinstance(payload, dict) or key not in payload:
        sys.exit(f"{option} {path}: a JSON without a {key!r} entry; pass a results file of this script")
    return payload


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
