"""What ``ssm-ts`` says when a fit stops because it cannot write its files (a full disk, a folder turned
read-only): one error naming the file, the reason and the command that resumes the fit, not an OSError
traceback from deep inside Lightning."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ssm_ts.cli.interrupted import INTERRUPTED_FIT, interrupted_text

# the errors of a write the user can fix by making room or giving write access
WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def _readable(path: str) -> bool:
    return os.access(path, os.R_OK)


def unreadable_file(error: BaseException) -> str | None:
    """The file ``error`` (a refused open: no read permission) names when it is an existing file this
    user cannot read, such as a data file of mode 000; ``None`` for any other error. Such a refusal is
    a read's, not a write's, whatever the errno says."""
    if not isinstance(error, OSError) or error.errno not in (errno.EACCES, errno.EPERM):
        return None
    name = error.filename
    if name is None or not Path(os.fsdecode(name)).is_file() or _readable(os.fsdecode(name)):
        return None
    return os.fsdecode(name)


def read_failure_text(path: str) -> str:
    """The error of a command that could not read ``path`` (:func:`unreadable_file`): the file and the fix."""
    return (
        f"cannot read {path} (permission denied); make it readable (chmod u+r '{path}'), or pass a copy "
        "you can read"
    )


def is_write_failure(error: BaseException) -> bool:
    """Whether ``error`` is a file write refused by the disk or its permissions (not a file this user
    cannot read: :func:`unreadable_file`)."""
    return isinstance(error, OSError) and error.errno in WRITE_FAILURES and unreadable_file(error) is None


def write_failure_text(error: OSError, use: str) -> str:
    """The error of a fit that ``error`` stopped, once :func:`remember_interrupted_fit` recorded it: the
    file, the reason and the fix, then the command that resumes the fit. When the file was the fit's
    last.ckpt (which may now be cut short), the resume starts from its best checkpoint instead: ssm-ts's
    own checkpoint writer replaces a file only once whole and names no file, so this is a user's own
    CheckpointIO plugin's failure."""
    target = error.filename2 or error.filename  # shutil.move(temporary, target): the target is the second
    reason = error.strerror or str(error)
    failed = f"writing {target} failed ({reason})" if target else f"a write failed ({reason})"
    last, best = INTERRUPTED_FIT.get("last"), INTERRUPTED_FIT.get("best")
    if last and target and Path(last).resolve() == Path(str(target)).resolve():
        INTERRUPTED_FIT["last"] = best if best and Path(best).is_file() and best != last else None
        failed += ", so that checkpoint may be cut short"
    fix = "make room on that disk" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "make it writable"
    resume = interrupted_text(
        use, stopped="stopped", run_state="is marked FAILED"
    )  # "stopped; its checkpoints are kept"
    return f"{failed}; {fix}. {resume[0].upper()}{resume[1:]}"
