"""Two forked CPU processes joined in a gloo group, as DDP's processes are: for the tests that check
what each rank does (``mp.start_processes(fn, nprocs=2, start_method="fork")``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import torch
import torch.distributed as dist


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
