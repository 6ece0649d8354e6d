"""Under DDP every training process has its own global generators: a checkpoint keeps each rank's states
(gathered when Lightning saves, which it does on every rank; rank 0 writes the file) and a resumed rank
sets its own, not rank 0's. Two gloo processes with different states check it; a resume on another
number of processes restores nothing (its data shards differ anyway)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ssm_ts.pipelines.sampling import GlobalGenerators

CPU = torch.device("cpu")


def draws() -> tuple[torch.Tensor, np.ndarray, float]:
    return torch.rand(3), np.random.rand(3), random.random()


def save_move_on_and_restore(rank: int, world_size: int, folder: str) -> None:
    dist.init_process_group(
        "gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=world_size
    )
    try:
        torch.manual_seed(100 + rank)  # each rank's own states, as a per-rank seed would give
        np.random.seed(200 + rank)
        random.seed(300 + rank)
        checkpoint: dict = {}
        GlobalGenerators.save(checkpoint, CPU, world_size)  # collective, as in Trainer.save_checkpoint
        expected = draws()  # what this rank draws next in an uninterrupted fit
        draws(), draws()  # it moves on (a resumed process starts elsewhere)
        path = Path(folder) / "last.ckpt"
        if rank == 0:
            torch.save(checkpoint, path)
        dist.barrier()
        saved = torch.load(path, weights_only=True)
        assert not GlobalGenerators.load(saved, CPU, world_size=1, rank=0)  # other processes: left alone
        assert not GlobalGenerators.load({}, CPU, world_size, rank)  # a checkpoint from before they were kept
        assert GlobalGenerators.load(saved, CPU, world_size, rank)
        got = draws()
        assert torch.equal(got[0], expected[0]) and np.array_equal(got[1], expected[1]), rank
        assert got[2] == expected[2], rank
    finally:
        dist.destroy_process_group()


def test_each_rank_resumes_its_own_generator_states(tmp_path):
    # forked: the processes start with the test's imports (spawned ones took ~10 s each to import Lightning)
    mp.start_processes(save_move_on_and_restore, args=(2, str(tmp_path)), nprocs=2, start_method="fork")
