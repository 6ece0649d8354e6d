"""Atomic file output: write to a temporary name beside the target, then rename.

An interrupted run therefore never leaves a half-written file (or folder) that looks complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success rename it onto ``target``.

    The temporary name keeps ``target``'s suffix so writers that dispatch on it (``savefig``,
    ``soundfile.write``) still work, except a checkpoint's (:func:`temporary_name`). On an exception
    the temporary file is removed.
    """
    target = Path(target).expanduser()  # "~/model": not a folder named ~ in the working folder
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = temporary_name(target)
    # Created as open() creates files (0666 less the umask), not mkstemp's private 0600: outputs on a
    # shared machine must be as readable as any other file the user writes.
    os.close(os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


# Files found by their name in their folder: a temporary one must not look like one of them
_FOUND_BY_NAME = (".ckpt",)


def temporary_name(target: Path) -> Path:
    """The hidden temporary file beside ``target`` that :func:`atomic_path` writes first:
    ``.<stem>.<random>.partial<suffix>``; for a checkpoint (``.ckpt``) ``.checkpoint.<random>.partial``,
    holding neither its name nor its suffix. One a killed process left behind is then never taken for a
    checkpoint: Lightning's ``ckpt_path="last"`` takes any file with "last" in its name in a checkpoint
    folder, and ``*.ckpt`` globs match hidden files."""
    random = uuid.uuid4().hex
    if target.suffix in _FOUND_BY_NAME:
        return target.with_name(f".checkpoint.{random}.partial")
    return target.with_name(f".{target.stem}.{random}.partial{target.suffix}")


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` whole.

    Writers that publish to the same ``target`` at the same time may each succeed: the last one to
    finish wins, and ``target`` always holds one writer's complete folder (between two renames it
    may briefly be missing). The previous folder is moved aside under a unique name, never a fixed
    one, so two writers cannot trip over each other's.
    """
    target = Path(target).expanduser()  # "~/model": not a folder named ~ in the working folder
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    tmp_dir.mkdir(mode=0o777)  # 0777 less the umask, as mkdir makes folders (mkdtemp's are 0700)
    moved_aside: list[Path] = []
    try:
        yield tmp_dir
        _replace_directory(tmp_dir, target, moved_aside)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        for old in moved_aside:
            shutil.rmtree(old, ignore_errors=True)


_REPLACE_ATTEMPTS = 100  # each retry means another writer published in between; it cannot go on long


def _replace_directory(source: Path, target: Path, moved_aside: list[Path]) -> None:
    """Rename ``source`` onto ``target``, first moving a ``target`` folder aside (a folder cannot be
    renamed onto a non-empty one); retried when another writer puts its own there in between."""
    for _ in range(_REPLACE_ATTEMPTS):
        if target.exists():
            old = target.with_name(f".{target.name}.{uuid.uuid4().hex}.old")  # unique: no writer shares it
            moved_aside.append(old)
            try:
                os.replace(target, old)
            except FileNotFoundError:
                pass  # another writer moved it aside first
        try:
            os.replace(source, target)
            return
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    raise OSError(errno.EBUSY, f"{target} kept being replaced by other writers; giving up", str(target))
