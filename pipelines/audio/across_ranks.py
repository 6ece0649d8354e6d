"""Flags, findings and counts each DDP process made alone, made the same on every process before a decision or a
warning rests on them."""

from __future__ import annotations

import torch


def on_any_rank(flags: torch.Tensor) -> torch.Tensor:
    """``flags`` (n,) bool of this process -> (n,) bool, set where any process of the running
    ``torch.distributed`` group set it (a collective: every process must call it, with the same ``n``).

    A decision each process took from its own flags differed between them: under DDP each scores its own
    share of a split, so a split's clips found damaged were found by each process apart, and the one that
    raised left the others in their next collective, waiting for it. Outside ``torch.distributed`` (one
    process) the flags themselves.
    """
    return _reduced(flags.to(torch.int32), "MAX").bool()


def largest_on_any_rank(values: torch.Tensor) -> torch.Tensor:
    """``values`` (n,) int64 of this process -> (n,) int64, each the largest any process of the running
    ``torch.distributed`` group holds (a collective, as :func:`on_any_rank`): -1 where none found an item,
    else where one did (the sample a damaged clip starts at, for rank 0 to name it by). Outside
    ``torch.distributed`` the values themselves."""
    return _reduced(values.to(torch.long), "MAX")


def summed_on_ranks(values: torch.Tensor) -> torch.Tensor:
    """``values`` (any shape, int64 or float64) of this process -> their sums over every process of the
    running ``torch.distributed`` group (a collective, as :func:`on_any_rank`): what each process counted
    of its own share (the samples read of a file, and those clipped). Outside ``torch.distributed`` the
    values themselves."""
    return _reduced(values, "SUM")


def _reduced(values: torch.Tensor, op: str) -> torch.Tensor:
    """``values`` all-reduced by ``op`` (``"MAX"``, ``"SUM"``: a ``torch.distributed.ReduceOp``)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return values
    # NCCL reduces CUDA tensors alone; gloo CPU ones
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    reduced = values.to(device=device, copy=True)
    dist.all_reduce(reduced, op=getattr(dist.ReduceOp, op))
    return reduced.cpu()
