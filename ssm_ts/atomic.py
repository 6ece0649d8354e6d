"""Atomic file output: write to a temporary name beside the target, then rename.

An interrupted run therefore never leaves a half-written file (or folder) that looks complete. A temporary
checkpoint a killed writer left is removed by the next fit into its folder
(:func:`remove_abandoned_checkpoint_writes`): each writer holds a lock on its temporary file while it writes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks (see _writer_is_gone)
    fcntl = None  # type: ignore[assignment]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, sync_folder: bool = False) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success rename it onto ``target``.

    The temporary name keeps ``target``'s suffix so writers that dispatch on it (``savefig``,
    ``soundfile.write``) still work, except a checkpoint's (:func:`temporary_name`). On an exception
    the temporary file is removed. The temporary file stays locked (``flock``) until it is renamed or
    removed: a cleanup (:func:`remove_abandoned_checkpoint_writes`) then knows its writer is alive.
    ``sync_folder``: the folder is flushed to the disk after the rename too, so that a power cut cannot
    lose the rename (the caller flushes the file it wrote)."""
    target = Path(target).expanduser()  # "~/model": not a folder named ~ in the working folder
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path, lock = _create_locked_temporary(target)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
        if sync_folder:
            _sync_folder(target.parent)
    except Exception as error:
        if isinstance(error, RuntimeError) and _disk_full(target.parent):
            # torch.save to a full disk raises a RuntimeError without errno or file ("[enforce fail at
            # inline_container.cc:672] . unexpected pos 27648 vs 27540"): said as the OSError it is
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from error
        raise
    finally:
        tmp_path.unlink(missing_ok=True)
        if lock is not None:
            os.close(lock)  # after the unlink: no cleanup takes the file for a dead writer's before


# free space below which a failed write is taken for a full disk's (a writer's own error has no errno)
FULL_DISK_BYTES = 2**20


def _disk_full(folder: Path) -> bool:
    """Whether the disk holding ``folder`` has less than :data:`FULL_DISK_BYTES` free for this user."""
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_BYTES
    except OSError:
        return False


_CREATE_ATTEMPTS = 10  # each retry means a cleanup removed the file between its creation and its lock


def _create_locked_temporary(target: Path) -> tuple[Path, int | None]:
    """Create :func:`temporary_name`'s file for ``target`` and lock it; returns it and the descriptor that
    holds the lock (``None`` where there are no locks)."""
    for _ in range(_CREATE_ATTEMPTS):
        tmp_path = temporary_name(target)
        # Created as open() creates files (0666 less the umask), not mkstemp's private 0600: outputs on a
        # shared machine must be as readable as any other file the user writes.
        fd = os.open(tmp_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        if fcntl is None:
            os.close(fd)  # Windows: an open handle would make the rename onto the target fail
            return tmp_path, None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (cleanups there go by age)
            os.close(fd)
            return tmp_path, None
        if _is_at(tmp_path, os.fstat(fd)):
            return tmp_path, fd
        os.close(fd)  # a cleanup took it for a dead writer's before it was locked: another name
    raise OSError(errno.EBUSY, f"temporary files beside {target} kept being removed; giving up", str(target))


def _is_at(path: Path, file: os.stat_result) -> bool:
    """Whether ``path`` still names ``file`` (an open file's ``fstat``)."""
    try:
        return os.path.samestat(os.stat(path, follow_symlinks=False), file)
    except OSError:
        return False


def _sync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (a rename in it) to the disk, where the OS lets a folder be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # Windows opens no folder as a file
    try:
        os.fsync(fd)
    except OSError:
        pass  # a file system that syncs no folder (EINVAL): the rename is as safe as it can get there
    finally:
        os.close(fd)


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


# temporary_name's checkpoint names: only these are removed from a checkpoint folder
_CHECKPOINT_TEMPORARY = re.compile(r"\.checkpoint\.[0-9a-f]{32}\.partial")
# without locks, a temporary checkpoint untouched for this long is a dead writer's: a write takes seconds
ABANDONED_AFTER_S = 3600.0


def remove_abandoned_checkpoint_writes(folder: str | os.PathLike) -> int:
    """Remove the temporary checkpoints (:func:`temporary_name`: ``.checkpoint.<hex>.partial``) in ``folder``
    whose writer is dead (a fit killed while it wrote one); returns the bytes freed.

    A live writer (another process writing a checkpoint into the same folder) holds its file's lock, and the
    kernel drops a dead one's: a file is removed only once its lock is taken. Files of other names stay."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no such folder yet
        return 0
    freed = 0
    for entry in entries:
        if _CHECKPOINT_TEMPORARY.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            freed += _remove_if_abandoned(Path(entry.path))
    return freed


def _remove_if_abandoned(path: Path) -> int:
    """Remove ``path`` when its writer is dead (:func:`_writer_is_gone`); returns the bytes freed."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)  # for writing: NFS locks a file open for writing only
    except OSError:
        return 0  # renamed onto its checkpoint meanwhile, or not ours to open
    try:
        file = os.fstat(fd)
        if not (stat.S_ISREG(file.st_mode) and _writer_is_gone(fd, file) and _is_at(path, file)):
            return 0
        path.unlink()
        return file.st_size
    except OSError:
        return 0  # removed by another cleanup meanwhile; or Windows, where an open file cannot be removed
    finally:
        os.close(fd)  # releases the lock taken


def _writer_is_gone(fd: int, file: os.stat_result) -> bool:
    """Whether nobody writes the open file ``fd`` any more: its lock can be taken. Where there are no locks
    (Windows, a file system without them) an age rule instead: untouched for :data:`ABANDONED_AFTER_S`."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False  # a live writer holds it
        except OSError:
            pass  # the file system has no locks
    return time.time() - file.st_mtime > ABANDONED_AFTER_S


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
