"""A data error raised inside a data loader worker, kept readable in the main process."""

from __future__ import annotations

from torch.utils.data import get_worker_info

from ssm_ts.errors import DataError


class LoaderWorkerError(DataError):
    """A :class:`DataError` of a data loader worker process, with the original message alone.

    torch re-raises a worker's error in the main process as ``type(err)(text)``, ``text`` being the
    worker's whole traceback, and as a ``RuntimeError`` where that call fails (an error class that
    takes a path and a problem): users saw a traceback from inside torch instead of the bad file's
    name. This class takes one string and keeps the part after the traceback's last line head.
    """

    def __init__(self, message: str):
        head = f"{type(self).__name__}: "
        super().__init__(message.rpartition(head)[2].rstrip("\n") if head in message else message)


def for_the_loader(err: DataError) -> DataError:
    """``err`` itself in the main process; a :class:`LoaderWorkerError` of its message in a worker."""
    return err if get_worker_info() is None else LoaderWorkerError(str(err))
