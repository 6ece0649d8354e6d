"""Under DDP the sensor data module refuses ``max_batch_steps`` (batches by length, one process only) as its
loaders are made, naming the fix: Lightning failed first, trying to put its distributed sampler into the
length-bucketed batch sampler ("LengthBucketBatchSampler.__init__() missing 2 required keyword-only
arguments"), and blamed the batch sampler's class."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor import SensorDataModule, SeriesSet


def recordings(n: int) -> SeriesSet:
    rng = np.random.default_rng(0)
    values = [rng.normal(size=(1, 6 + i % 3)).astype(np.float32) for i in range(n)]
    return SeriesSet(values=values, labels=np.array(["a", "b"] * (n // 2)), ids=[str(i) for i in range(n)])


@pytest.mark.parametrize("world_size", [1, 2])
def test_max_batch_steps_under_ddp_is_refused_naming_the_fix(world_size):
    data = SensorDataModule.from_series(recordings(8), recordings(4), val_fraction=0.25, batch_size=2,
                                        max_batch_steps=100)  # fmt: skip
    data.trainer = SimpleNamespace(world_size=world_size, global_rank=0)
    data.setup("fit")
    data.setup("test")
    for loader in (data.train_dataloader, data.val_dataloader, data.test_dataloader):
        if world_size == 1:
            assert len(loader()) >= 1
            continue
        with pytest.raises(ConfigError, match=r"max_batch_steps batches recordings by length in one process; "
                           r"with 2 \(DDP\).*--trainer.devices 1"):  # fmt: skip
            loader()
