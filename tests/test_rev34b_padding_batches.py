"""A validation or test batch with no real sample (its clips all padding: pieces of a file that
``on_bad_file="skip"`` left out, now one a clip of the whole file) adds nothing to the split's score;
it counted as one sample of loss 0, pulling ``val_nll_bits`` down by one sample per such batch."""

from __future__ import annotations

import warnings

import pytest
import torch

from ssm_ts.tasks.waveform import WaveformTask

pytestmark = pytest.mark.usefixtures("single_thread")


def test_an_all_padding_batch_weighs_nothing_in_the_split_score():
    task = WaveformTask(preset="tiny", sample_rate=8000).eval()
    codes = torch.randint(0, task.quantizer.n_classes, (1, 16), generator=torch.Generator().manual_seed(0))
    empty = (torch.full((2, 16), task.quantizer.silence), torch.tensor([0, 0]))  # a skipped file's clips
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # self.log outside a Trainer
        task.validation_step(empty, 0)
        task.validation_step((codes, torch.tensor([16])), 1)
        nll, _ = task.sample_nll(codes)
    assert task.nll["val_nll"].compute() == pytest.approx(float(nll.mean()), rel=1e-6)
