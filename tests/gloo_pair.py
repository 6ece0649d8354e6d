"""Two forked CPU processes joined in a gloo group, as DDP's processes are: for the tests that check
what each rank does (``mp.start_processes(fn, nprocs=2, start_method="fork")``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


@contextmanager
def gloo_rank(rank: int, folder: str) -> Iterator[None]:
    """This process as ``rank`` of a two-process gloo group meeting in ``folder``, left at the end."""
    torch.set_num_threads(1)  # a forked process entering the OpenMP pool of a parent that used it hangs
    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=2,
                            timeout=timedelta(seconds=5))  # fmt: skip
    try:
        yield
    finally:
        dist.destroy_process_group()


def run_pair(share: Callable[..., None], folder: Path, *args: object) -> list[str]:
    """``share(rank, str(folder), *args)`` in two forked processes joined by :func:`gloo_rank`; the text
    each wrote to ``folder / f"rank{rank}"``, rank 0's first."""
    mp.start_processes(share, args=(str(folder), *args), nprocs=2, start_method="fork")
    return [(folder / f"rank{rank}").read_text() for rank in (0, 1)]
