"""A classification evaluation step reads no label on the host: it looked at every batch's labels for a
DDP process's padding recordings (``if (y < 0).any()``), and on a GPU each look waits for the device (a sync
per validation and test batch). The padding is now found by position, as forecasting finds its own: the tail
of the process's ``EvaluationShard``; that every recording has a label, the data module's targets say.

ItalyPowerDemand (tests/test_cls39_ddp_scores_once.py): rank 1 of 2 holds a padding recording in its last
validation and test batch; its scores are those of the labels read (the stand-in step without a trainer)."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch

import ssm_ts.core.conv as conv
import ssm_ts.tasks.classification_steps as steps
from ssm_ts.pipelines.sensor.evaluation_shards import PADDING_LABEL
from ssm_ts.tasks.classification import ClassificationTask
from tests.test_cls39_ddp_scores_once import TINY, Process, data_module, italy, step_scores  # noqa: F401
from tests.test_eval40_masked_scores_no_sync import HostReads


def rank_one_batches(recordings, split: str) -> tuple[object, list[tuple]]:
    """The ``split`` loader of DDP process 1 of 2 and its batches (the last ends in padding)."""
    data = data_module(recordings)
    data.trainer = Process(1)
    data.setup("fit")
    data.setup("test")
    loader = data.val_dataloader() if split == "val" else data.test_dataloader()
    batches = list(loader)
    assert batches[-1][2][-1] == PADDING_LABEL
    return loader, batches


@pytest.mark.parametrize("split", ["val", "test"])
def test_padding_found_by_position_with_no_host_read(italy, split, monkeypatch):  # noqa: F811
    torch.manual_seed(0)
    task = ClassificationTask(n_channels=1, classes=["1", "2"], model_options=TINY)
    task.eval()
    read_task = copy.deepcopy(task)
    loader, batches = rank_one_batches(italy, split)
    with warnings.catch_warnings():  # self.log outside a trainer: Lightning's notice
        warnings.simplefilter("ignore")
        expected = step_scores(read_task, batches)  # no trainer: the labels are read
    # the trainer of an evaluation running `loader`, as far as the step asks
    monkeypatch.setattr(
        steps, "evaluation_loader", lambda trainer, name: loader if name == split else None, raising=False
    )
    monkeypatch.setattr(task, "log", lambda *args, **kwargs: None)
    task._trainer = object()
    # the model's eval-mode check for NaN inputs reads a sum on CPUs only (on a GPU it reads nothing)
    monkeypatch.setattr(conv, "check_finite", lambda *args: None)
    reads = HostReads()
    with torch.no_grad():
        for batch_idx, batch in enumerate(batches):
            with reads:
                getattr(task, f"{'validation' if split == 'val' else 'test'}_step")(batch, batch_idx)
    assert reads.calls == []  # was: '__bool__' of `if (y < 0).any()` on every batch, and boolean indexing
    task._trainer = None
    name = "test" if split == "test" else "val"
    found = {n: task.metrics[f"{name}_metrics"][n].compute() for n in ("acc", "balanced_acc", "f1")}
    found["loss"] = task.loss_means[f"{name}_loss"].compute()
    if split == "test":
        found["confusion"] = task.test_confusion.compute()
        assert int(found["confusion"].sum()) == len(loader.sampler) - 1  # the padding left out
    for key, value in found.items():
        torch.testing.assert_close(value, expected[key], rtol=0, atol=0, msg=key)
