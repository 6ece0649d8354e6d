"""Under DDP a classifier scores each validation and test recording once.

Lightning put its own padding ``DistributedSampler`` into the sensor data module's validation and test
loaders: a split whose recordings do not divide among the processes was padded with repeats of its first
recordings, which were scored twice (accuracy, F1, the loss and the test confusion matrix, whose counts then
summed to more recordings than the split holds). Now each process takes its share in order
(``EvaluationShard``) and a process short of one takes a padding recording, which the task leaves out of
every score. Real ItalyPowerDemand recordings (UCR): 67 training ones (17 held out for validation) and
25 test ones, both odd counts on two processes.
"""

from __future__ import annotations

import copy
import json
import os
import warnings
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
import torchmetrics
from torch.utils.data import DistributedSampler

from ssm_ts.pipelines.sensor import SensorDataModule, read_ts
from ssm_ts.pipelines.sensor.evaluation_shards import PADDING, PADDING_LABEL
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.training import build_trainer
from tests.gloo_pair import gloo_rank, run_pair

N_TEST = 25
TINY = {"d_model": 8, "n_layers": 1, "d_state": 8, "dropout": 0.0}
SCORES = ("acc", "balanced_acc", "f1")


@pytest.fixture(scope="module")
def italy(shared_data):
    folder = shared_data / "classification" / "ItalyPowerDemand"
    train, test = read_ts(folder / "ItalyPowerDemand_TRAIN.ts"), read_ts(folder / "ItalyPowerDemand_TEST.ts")
    return train, test.subset(np.arange(N_TEST))


def data_module(italy, batch_size: int = 4) -> SensorDataModule:
    return SensorDataModule.from_series(*italy, val_fraction=0.25, batch_size=batch_size)


class Process:
    """The trainer of DDP process ``global_rank`` of 2, as far as the data module asks."""

    world_size = 2

    def __init__(self, global_rank: int):
        self.global_rank = global_rank


def test_each_process_takes_its_share_of_the_recordings_and_as_many_batches(italy):
    shares = {}
    for rank in (0, 1):
        data = data_module(italy)
        data.trainer = Process(rank)
        data.setup("fit")
        data.setup("test")
        for split, loader in (("val", data.val_dataloader()), ("test", data.test_dataloader())):
            # a DistributedSampler, which Lightning keeps (any other it replaced by its own, which repeats)
            assert isinstance(loader.sampler, DistributedSampler)
            labels = torch.cat([batch[2] for batch in loader])
            shares[split, rank] = list(loader.sampler), labels
    for split, n in (("val", 17), ("test", N_TEST)):
        (first, first_labels), (second, second_labels) = shares[split, 0], shares[split, 1]
        assert len(first) == len(second) == (n + 1) // 2  # as many batches on both processes
        assert sorted(i for i in first + second if i is not PADDING) == list(range(n))  # each once
        assert second[-1] is PADDING and second_labels[-1] == PADDING_LABEL  # the odd one out: padding
        assert (first_labels >= 0).all() and (second_labels[:-1] >= 0).all()


def test_predict_is_left_to_lightnings_sampler_that_repeats_nothing(italy):
    data = data_module(italy)
    data.trainer = Process(1)
    data.setup("predict")
    assert not isinstance(data.predict_dataloader().sampler, DistributedSampler)


def step_scores(task: ClassificationTask, batches: list[tuple]) -> dict[str, object]:
    with warnings.catch_warnings():  # self.log outside a trainer: Lightning's notice
        warnings.simplefilter("ignore")
        for batch in batches:
            task._step(batch, "test")
    scores = {name: task.metrics["test_metrics"][name].compute() for name in SCORES}
    scores["loss"] = task.loss_means["test_loss"].compute()
    scores["confusion"] = task.test_confusion.compute()
    return scores


@pytest.mark.parametrize("weighted", [False, True])
def test_padding_recordings_weigh_nothing_in_any_score(weighted):
    torch.manual_seed(0)
    task = ClassificationTask(n_channels=2, classes=["a", "b", "c"], model_options=TINY)
    padded_task = copy.deepcopy(task)
    x, mask = torch.randn(5, 12, 2, dtype=torch.float64), torch.ones(5, 12, dtype=torch.bool)
    y, w = torch.tensor([0, 1, 2, 1, 0]), torch.tensor([1.0, 2.0, 0.5, 1.0, 3.0], dtype=torch.float64)
    pad = PADDING_LABEL
    padded = (torch.cat([x, x[:2]]), torch.cat([mask, mask[:2]]), torch.cat([y, torch.tensor([pad, pad])]))
    padding_alone = (x[:1], mask[:1], torch.tensor([pad]))
    plain = (x, mask, y)
    if weighted:  # a padding recording weighs 0
        plain, padded = (*plain, w), (*padded, torch.cat([w, torch.zeros(2, dtype=torch.float64)]))
        padding_alone = (*padding_alone, torch.zeros(1, dtype=torch.float64))
    expected = step_scores(task, [plain])
    found = step_scores(padded_task, [padded, padding_alone])
    assert int(found["confusion"].sum()) == 5  # was: DataError, "the test data has unlabelled recordings"
    for name, value in expected.items():
        torch.testing.assert_close(found[name], value, rtol=0, atol=0, msg=name)


def test_unlabelled_recordings_beside_padding_are_still_refused():
    task = ClassificationTask(n_channels=1, classes=["a", "b"], model_options=TINY)
    batch = (torch.zeros(2, 4, 1), torch.ones(2, 4, dtype=torch.bool), torch.tensor([-1, PADDING_LABEL]))
    with pytest.raises(Exception, match="the val data has unlabelled recordings"):
        task._step(batch, "val")


def evaluate(task: ClassificationTask, italy, out: Path) -> list[dict[str, float]]:
    """The validation and test metrics of ``task``, each from a trainer of its own."""
    return [
        getattr(build_trainer(max_epochs=1, out_dir=out / stage, accelerator="cpu", progress=False), stage)(
            task, data_module(italy), verbose=False
        )[0]
        for stage in ("validate", "test")
    ]


def leave_counts(task: ClassificationTask) -> None:
    """Counts in ``task``'s validation and test scores, as a run leaves them (in inference mode, as
    Lightning evaluates)."""
    with torch.inference_mode():
        for split in ("val", "test"):
            for metric in task.metrics[f"{split}_metrics"].values():
                metric.update(torch.tensor([[0.0, 1.0]] * 3), torch.tensor([0, 0, 1]))
            task.loss_means[f"{split}_loss"].update(torch.tensor([5.0]))
        task.test_confusion.update(torch.tensor([[0.0, 1.0]] * 3), torch.tensor([0, 0, 1]))


def test_each_evaluation_starts_from_no_counts(italy, tmp_path):
    """Counts left in the metrics score nothing: ``ddp_spawn`` on CPUs shares the metrics' states between
    its processes and the launching one, where an s4d1d fit's processes left their first epoch's counts
    (a validate after it, on a trainer of its own, gave val_loss 0.69134 for 0.69377), and its two
    processes added into the same counts until Lightning's first reset."""
    task = ClassificationTask(n_channels=1, classes=["1", "2"], model_options=TINY)
    fresh = evaluate(task, italy, tmp_path / "fresh")
    leave_counts(task)
    assert evaluate(task, italy, tmp_path / "again") == fresh


class ConfusionCounts(pl.Callback):
    """Keeps the test confusion matrix as ``counts`` (gathered from every process)."""

    counts: list | None = None

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: ClassificationTask) -> None:
        self.counts = pl_module.test_confusion.compute().tolist()  # a collective: on every process


def scores(task: ClassificationTask, italy, devices: int) -> dict[str, object]:
    """The validation and test metrics of ``task`` on ``devices`` processes (within a process group already
    joined, for 2), and the test confusion counts."""
    counts = ConfusionCounts()
    trainer = pl.Trainer(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto",
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[counts])  # fmt: skip
    (val,) = trainer.validate(task, data_module(italy), verbose=False)
    (test,) = trainer.test(task, data_module(italy), verbose=False)
    return {**val, **test, "confusion": counts.counts}


def score_share(rank: int, folder: str, task: ClassificationTask, italy) -> None:
    # the environment of a process started by a launcher: Lightning then starts none and joins the group
    os.environ.update(LOCAL_RANK=str(rank), NODE_RANK="0", WORLD_SIZE="2", RANK=str(rank))
    with gloo_rank(rank, folder):
        Path(folder, f"rank{rank}").write_text(json.dumps(scores(task, italy, 2)))


@pytest.mark.timeout(120)
def test_two_processes_score_as_one(italy, tmp_path):
    """Two forked processes joined in a gloo group (tests/gloo_pair.py), each validating and testing on
    Lightning's ``ddp`` strategy, against one process; the metrics' states in memory both share, as
    ``ddp_spawn`` on CPUs hands them to its processes, with counts left in them. Forked,
    not spawned: 9 s where two ddp_spawn runs took 50 to 100 s, nearly all of it importing torch."""
    # fitted on one process: a model of random features takes no gradient steps, which DDP refuses to train
    task = ClassificationTask(model="random_features", model_options={"n_kernels": 20, "seed": 0})
    build_trainer(max_epochs=1, out_dir=tmp_path / "fit", accelerator="cpu", progress=False).fit(
        task, data_module(italy)
    )
    leave_counts(task)  # what a fit's processes left, handed over by ddp_spawn in memory they all share
    for metric in task.modules():
        if isinstance(metric, torchmetrics.Metric):
            for name in metric._defaults:
                getattr(metric, name).share_memory_()
    ranks = [json.loads(text) for text in run_pair(score_share, tmp_path, task, italy)]
    single = scores(task, italy, 1)
    assert ranks[0] == ranks[1]  # synced over the processes
    ddp = ranks[0]
    assert sum(map(sum, ddp["confusion"])) == N_TEST  # was 26: the first test recording scored twice
    assert ddp["confusion"] == single["confusion"] and all(
        np.sum(single["confusion"], axis=0)
    )  # both classes
    for split in ("val", "test"):
        for name in SCORES:
            assert ddp[f"{split}_{name}"] == single[f"{split}_{name}"], (split, name)
        assert ddp[f"{split}_loss"] == pytest.approx(single[f"{split}_loss"], rel=1e-6), split
