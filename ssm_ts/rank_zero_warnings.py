"""ssm-ts's warnings about the data, shown once in a fit of several processes: by global rank 0.

Under DDP (``strategy="ddp"`` or ``"ddp_spawn"``) every process reads the same files and sets up its own
data module, so a warning about the data (a code for a missing reading, silent audio files, recordings
that look transposed) was printed once per process. :func:`warn_on_rank_zero` shows it on global rank 0
only, as Lightning shows its own. A warning that can differ between processes (about a file only one
rank's shard decodes) keeps :func:`warnings.warn`; other libraries' warnings are left alone.

A search reads its data again for each trial's fit: within :func:`each_text_once` (the search's span), a
warning of :func:`warn_on_rank_zero` whose text was shown already is not shown again, so a gap filled or
a column left unread is said once per search, not once per trial. The user's own warnings, and other
libraries', are not :func:`warn_on_rank_zero`'s and are left alone.
"""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Iterator

from ssm_ts.user_stack_level import user_stack_level


def global_rank() -> int:
    """This process's global rank: ``torch.distributed``'s once its process group is initialised, else
    the one Lightning knows (its strategies set it; before that, its launchers' ``RANK`` / ``LOCAL_RANK``
    environment gives it); 0 in a single process."""
    # imported here: a warning is rare, and the command line's --help needs neither
    import torch.distributed as dist
    from lightning.fabric.utilities.rank_zero import rank_zero_only

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(getattr(rank_zero_only, "rank", 0))


def warn_on_rank_zero(
    message: str, category: type[Warning] = UserWarning, stacklevel: int | None = 1
) -> None:
    """:func:`warnings.warn` on global rank 0 only (:func:`global_rank`); the other processes stay quiet.
    ``stacklevel`` is :func:`warnings.warn`'s, counted from the caller: 1 shows the caller's line;
    ``None`` shows the user's line, outside ssm-ts and the frameworks calling it
    (:func:`~ssm_ts.user_stack_level.user_stack_level`)."""
    if global_rank() == 0 and _first_time(message, category):
        level = user_stack_level(depth=2) if stacklevel is None else stacklevel
        warnings.warn(message, category, stacklevel=level + 1)


# the texts shown within :func:`each_text_once` (None outside it)
_SHOWN: contextvars.ContextVar[set[tuple[str, type[Warning]]] | None] = contextvars.ContextVar(
    "ssm_ts_warnings_shown", default=None
)


@contextlib.contextmanager
def each_text_once() -> Iterator[None]:
    """Within it, :func:`warn_on_rank_zero` shows each text (and category) once: a repeat is dropped.

    For work that reads the same data several times (a search's trials, each a fit), whose warnings
    about it would repeat word for word. Nested, the outer span's record is kept; after it, warnings
    show as before."""
    if _SHOWN.get() is not None:
        yield
        return
    token = _SHOWN.set(set())
    try:
        yield
    finally:
        _SHOWN.reset(token)


def _first_time(message: str, category: type[Warning]) -> bool:
    """False for a text :func:`each_text_once` has seen shown already; else True (and, within it, noted)."""
    shown = _SHOWN.get()
    if shown is None:
        return True
    if (message, category) in shown:
        return False
    shown.add((message, category))
    return True
