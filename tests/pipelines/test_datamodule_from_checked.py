"""``ForecastDataModule.from_checked``: a module over rows already read and checked (real ETTh1
rows), used as they are: a ragged panel keeps its spans and a filled table its fill notes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets
from tests.api.test_forecaster_ragged import ragged_table

LOOKBACK, HORIZON = 48, 12
WINDOWS = {"lookback": LOOKBACK, "horizon": HORIZON}


def batches(module: ForecastDataModule, split: str) -> list[list[torch.Tensor]]:
    loader = module.train_dataloader() if split == "train" else module.val_dataloader()
    return [[module.on_before_batch_transfer(b, 0)[k] for k in range(len(b))] for b in loader]


def test_a_ragged_panel_is_served_as_it_was_read(ett):
    read = ForecastDataModule.from_frame(ragged_table(ett), **WINDOWS)
    read.setup("fit")
    checked = ForecastDataModule.from_checked(read.frame, read.spec, **WINDOWS)
    checked.setup("fit")
    assert checked.frame is read.frame and checked.spec is read.spec and checked.ragged
    np.testing.assert_array_equal(checked.spans.first, read.spans.first)
    np.testing.assert_array_equal(checked.spans.last, read.spans.last)
    assert checked.bounds == read.bounds
    assert checked.scaler.to_dict() == read.scaler.to_dict()
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(checked.windows(split).valid, read.windows(split).valid)
    for split in ("train", "val"):  # the same batches, ragged rows (valid (window, series) pairs) included
        for ours, theirs in zip(batches(checked, split), batches(read, split), strict=True):
            for a, b in zip(ours, theirs, strict=True):
                torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)
    # the reason for the constructor: read again as a table, the ended series' NaN are gaps
    with pytest.raises(DataError, match=r"column 'HUFL' has NaN \(empty\) values at rows 0, 1, 2"):
        ForecastDataModule.from_frame(read.frame.copy(), **WINDOWS).setup("fit")
    # a checkpoint's spec loaded into it (as Lightning restores a module) keeps the checked rows
    checked.load_state_dict(checked.state_dict())
    assert checked.frame is read.frame and checked.ragged


def test_a_prefix_keeps_the_fill_notes_and_takes_its_own_split(ett):
    table = ett[["date", "OT", "HUFL"]].drop(index=[100, 101, 102, 700])  # gaps the fill policy closes
    read = ForecastDataModule.from_frame(table, fill="ffill", **WINDOWS)
    read.setup("fit")
    filled = filled_targets(read.frame, read.spec)
    assert filled[[100, 101, 102, 700]].all() and filled.sum() == 8
    prefix = read.frame.iloc[:800].copy()
    checked = ForecastDataModule.from_checked(prefix, read.spec, boundaries=[700, 800], **WINDOWS)
    checked.setup("fit")
    np.testing.assert_array_equal(filled_targets(checked.frame, checked.spec), filled[:800])
    assert (checked.bounds.train_end, checked.bounds.val_end, checked.bounds.test_end) == (700, 800, 800)
    train = prefix[["OT", "HUFL"]].iloc[:700].to_numpy()
    np.testing.assert_allclose(checked.scaler.mean, train.mean(axis=0), rtol=1e-12)
    assert len(checked.windows("val")) == 800 - 700 - HORIZON + 1


def test_reading_settings_and_a_frame_without_the_spec_columns_are_refused(ett):
    read = ForecastDataModule.from_frame(ett[["date", "OT"]], **WINDOWS)
    read.setup("fit")
    with pytest.raises(ConfigError, match=r"from_checked: \['fill', 'time_col'\] say how to read a table"):
        ForecastDataModule.from_checked(read.frame, read.spec, time_col="date", fill="ffill", **WINDOWS)
    with pytest.raises(ConfigError, match=r"lacks the columns \['OT'\] of its spec.*a module's \.frame"):
        ForecastDataModule.from_checked(ett[["date", "HUFL"]], read.spec, **WINDOWS)
