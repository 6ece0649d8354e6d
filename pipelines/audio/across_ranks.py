"""Flags each DDP process found alone, made the same on every process before a decision rests on them."""

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
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() < 2:
        return flags.bool()
    # NCCL reduces CUDA tensors alone; gloo CPU ones
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else None
    counts = flags.to(device=device, dtype=torch.int32)
    dist.all_reduce(counts, op=dist.ReduceOp.MAX)
    return counts.cpu().bool()
