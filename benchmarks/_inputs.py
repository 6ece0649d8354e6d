"""Checks of a benchmark's inputs and outputs, with no torch or ssm-ts import: data folders and files,
names of ``--only``, a writable results path, an earlier results file to keep, the git commit.

benchmarks/_common.py re-exports them; rocket_reference.py, which runs in its own aeon environment,
imports this module alone."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
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
    """The checkout's commit, ``<hash>-dirty`` when tracked files differ from it; None outside git, and
    for a copy of the project unpacked inside another git checkout (a home folder kept in git): that
    checkout's commit is not this code's."""
    try:
        run = [
            subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, timeout=30).stdout
            for command in (
                ["git", "rev-parse", "--show-toplevel", "HEAD"],
                ["git", "status", "--porcelain", "-uno"],
            )
        ]
    except (OSError, subprocess.SubprocessError):
        return None
    top, commit = run[0].split("\n")[:2]
    if Path(top).resolve() != REPO.resolve():
        return None
    return commit.strip() + ("-dirty" if run[1].strip() else "")


def keep_earlier(target: Path) -> Path | None:
    """Link an earlier run's ``target`` to ``<stem>.<modification time>.json`` beside it (once per
    process and target); return that name, or None when there was nothing to keep."""
    first = target.resolve() not in _WRITTEN
    _WRITTEN.add(target.resolve())
    if not first or not target.is_file():
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


def positive(text: str) -> float:
    """An argparse ``type`` for a budget that must be above 0 (``--minutes 0`` divided by zero after
    the data set was loaded): a usage error naming the value."""
    return _above_0(text, float)


def positive_count(text: str) -> int:
    """An argparse ``type`` for a whole number above 0 (``--threads``)."""
    return _above_0(text, int)


def _above_0(text: str, kind: type) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is not above 0; pass a positive number such as 1")
    return value


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
