"""The audio task's epoch NLL (``{split}_nll_bits``) is a :class:`~ssm_ts.tasks.weighted_mean.WeightedMean`:
the sums of ``torchmetrics.MeanMetric`` without its NaN check, which read every batch's loss on the host
(on a GPU a sync per step) and left a NaN loss out with a warning: ``val_nll_bits`` stayed finite while
``val_loss`` (logged from the batches' losses) was NaN. A split that scored no sample is still told apart
(its weight is 0) and checked by the data module as before.

Noise files (tests/test_ddp39_scores_start_each_epoch.py), an untrained tiny SaShiMi."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import pytest
import torch

from tests.gloo_pair import gloo_rank, run_pair
from tests.test_ddp39_scores_start_each_epoch import _trainer, _waveform
from tests.test_mean40_classification_loss_means import watched_updates


def test_the_nll_update_reads_nothing_on_the_host_and_scores_as_meanmetric(tmp_path, single_thread):
    task, data = _waveform(tmp_path)
    watched, olds = watched_updates({split: task.nll[f"{split}_nll"] for split in ("val", "test")})
    (val,) = _trainer(tmp_path).validate(task, data, verbose=False)
    (test,) = _trainer(tmp_path).test(task, data, verbose=False)
    # MeanMetric's NaN check: 2 '__bool__' a batch (nans.any() of the loss and of the weight)
    assert watched.calls == []
    assert float(olds["val"].weight) > 0 and float(olds["test"].weight) > 0
    # the same sums in the same dtype: bit for bit
    assert val["val_nll_bits"] == float(olds["val"].compute() / math.log(2.0))
    assert test["test_nll_bits"] == float(olds["test"].compute() / math.log(2.0))


def test_a_nan_loss_makes_the_epochs_nll_nan_without_a_warning(tmp_path, single_thread):
    task, data = _waveform(tmp_path)
    finite = _trainer(tmp_path).validate(task, data, verbose=False)[0]
    calls = []

    def nan_in_the_second_batch(net, inputs, logits):
        calls.append(1)
        if len(calls) == 2:  # one sample of the first clip: as a model that overflows gives
            logits = logits.clone()
            logits[0, 5] = float("nan")
        return logits

    task.net.register_forward_hook(nan_in_the_second_batch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (scores,) = _trainer(tmp_path).validate(task, data, verbose=False)
    assert len(calls) > 2 and math.isfinite(finite["val_nll_bits"])
    # the old MeanMetric left the batch out: a finite val_nll_bits beside a NaN val_loss
    assert math.isnan(scores["val_loss"]) and math.isnan(scores["val_nll_bits"])
    assert not [w for w in caught if "nan" in str(w.message).lower()]


def test_the_mean_and_its_weight_tell_nothing_scored_from_a_nan_loss():
    from ssm_ts.tasks.weighted_mean import WeightedMean

    nothing, nan = WeightedMean(), WeightedMean()
    nothing.update(torch.tensor(0.0), torch.tensor(0))  # a batch of padding alone weighs nothing
    nan.update(torch.tensor(float("nan")), torch.tensor(40))
    (mean, weight), (nan_mean, nan_weight) = nothing.mean_and_weight(), nan.mean_and_weight()
    assert mean.isnan() and weight == 0 and nan_mean.isnan() and nan_weight == 40
    assert nan_weight.dtype == torch.get_default_dtype() and float(nan.weight) == 40  # its own states after
    with pytest.warns(match="before the ``update``"):  # compute() is the same mean
        assert WeightedMean().compute().isnan()


def mean_and_weight_share(rank: int, folder: str) -> None:
    """Rank 0 scores a NaN-free batch of 3 samples, rank 1 one of nothing: the mean and weight of both."""
    from ssm_ts.tasks.weighted_mean import WeightedMean

    with gloo_rank(rank, folder):
        metric = WeightedMean()
        metric.update(torch.tensor(2.0 if rank == 0 else 0.0), torch.tensor(3 if rank == 0 else 0))
        mean, weight = metric.mean_and_weight()
        own = float(metric.weight)  # the process's own sum again after
        Path(folder, f"rank{rank}").write_text(json.dumps([float(mean), float(weight), own]))


def test_the_mean_and_its_weight_are_every_processs(tmp_path):
    found = [json.loads(text) for text in run_pair(mean_and_weight_share, tmp_path)]
    assert found == [[2.0, 3.0, 3.0], [2.0, 3.0, 0.0]]  # rank 1 alone: 0 / 0, nothing scored
