"""ssm-ts's warnings on the command line: one line each, ``ssm-ts forecast fit: warning: ...``."""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

from ssm_ts.cli.option_spelling import command_spelling


@functools.cache
def _own_source_folders() -> tuple[str, ...]:
    """The folders of ssm-ts's packages (``ssm_ts``, and ``ssm_ts.kernels`` / ``ssm_ts.pipelines``, which an
    editable install keeps beside it), each ending in a separator."""
    import ssm_ts.kernels
    import ssm_ts.pipelines

    packages = (ssm_ts, ssm_ts.kernels, ssm_ts.pipelines)
    return tuple(str(Path(folder).resolve()) + os.sep for package in packages for folder in package.__path__)


@contextlib.contextmanager
def short_warnings(use: str, verbose: bool) -> Iterator[None]:
    """ssm-ts's warnings printed as one line, ``ssm-ts USE: warning: ...`` (``use`` is what follows ``ssm-ts``,
    the command too where one runs: ``forecast fit``, :func:`~ssm_ts.cli.uses.running_command`): Python's own name the
    ssm-ts source file and line that warned, which mean nothing on the command line (``--verbose`` keeps
    them). Other libraries' warnings (torch, scikit-learn) keep Python's form, their category and source.
    Only the text changes: a caller recording warnings (``pytest.warns``) still gets them."""
    if verbose:
        yield
        return
    previous = warnings.formatwarning
    warnings.formatwarning = one_line_format(use, previous)
    try:
        yield
    finally:
        warnings.formatwarning = previous


def one_line_format(use: str, previous: Callable[..., str]) -> Callable[..., str]:
    """A :data:`warnings.formatwarning` that writes ssm-ts's warnings as ``ssm-ts USE: warning: ...`` (``use``:
    ``forecast`` or ``forecast fit``, as :func:`short_warnings` takes it) and hands the others to ``previous``.
    Their fixes are spelt as the command takes them (``--data.crop fixed``, not ``crop='fixed'``)."""

    def one_line(message, category, filename, lineno, line=None) -> str:
        # the folders are looked up at the first warning: importing the packages loads torch, which
        # `ssm-ts forecast tune --help` and the like never need
        if not str(Path(filename).resolve()).startswith(_own_source_folders()):
            return previous(message, category, filename, lineno, line)
        return f"ssm-ts {use}: warning: {command_spelling(str(message), use.split()[0])}\n"

    one_line.ssm_ts_use = use  # type: ignore[attr-defined]  # what install_in_child_process checks
    return one_line


def install_in_child_process(use: str) -> None:
    """In a process the fit started (``ddp_spawn``'s, where rank 0 runs too), ssm-ts's warnings as one
    line as in the command's own process: a started process has Python's format, not the one
    :func:`short_warnings` set. Nothing in the command's own process, or where it is set already."""
    import multiprocessing

    # by name: while a started process unpickles what it was given, parent_process() is None still
    if multiprocessing.current_process().name == "MainProcess":
        return
    if getattr(warnings.formatwarning, "ssm_ts_use", None):
        return
    warnings.formatwarning = one_line_format(use, warnings.formatwarning)
