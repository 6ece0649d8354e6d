"""SensorDataModule: stratified validation from TRAIN only, train-only scaler, padded batches with masks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import (
    SensorDataModule,
    fit_channel_scaler,
    make_series_set,
    pad_batch,
    read_ts,
    stratified_split,
)


def test_official_split_and_stratified_validation(shared_data):
    folder = shared_data / "classification/JapaneseVowels"
    dm = SensorDataModule(path=str(folder), val_fraction=0.2, batch_size=50)
    dm.setup("fit")
    dm.setup("test")
    assert len(dm.train_set) + len(dm.val_set) == 270 and len(dm.test_set) == 370
    train_ids = set(dm.train_set.ids)
    assert not train_ids & set(dm.val_set.ids)  # disjoint, both from TRAIN
    assert Counter(dm.val_set.labels) == Counter({c: 6 for c in map(str, range(1, 10))})  # 30 each -> 6 each
    # The scaler comes from the training part only.
    expected = fit_channel_scaler(dm.train_set)
    assert dm.scaler == expected
    full = read_ts(folder / "JapaneseVowels_TRAIN.ts")
    assert dm.scaler != fit_channel_scaler(full)
    x, mask, y = next(iter(dm.val_dataloader()))
    assert x.shape == (50, int(mask.sum(1).max()), 12)
    lengths = mask.sum(1).numpy()
    np.testing.assert_array_equal(lengths, dm.val_set.lengths[:50])  # mask marks every real step
    assert float(x[~mask].abs().sum()) == 0.0
    assert y.min() >= 0 and y.max() <= 8


def test_pad_never_truncates():
    x, mask = pad_batch([np.ones((2, 3)), np.ones((2, 5))])
    assert x.shape == (2, 5, 2) and mask.sum() == 8
    with pytest.raises(DataError, match="no truncation"):
        pad_batch([np.ones((1, 6))], length=4)


def test_validation_split_errors_name_the_class():
    data = make_series_set(np.ones((5, 1, 4)), ["a", "a", "a", "a", "b"])
    with pytest.raises(DataError, match=r"smallest class 'b': 1 recordings"):
        stratified_split(data, 0.2, seed=0)
    single = make_series_set(np.ones((4, 1, 4)), ["a"] * 4)
    dm = SensorDataModule.from_series(train=single)
    with pytest.raises(DataError, match="all 4 recordings have the label 'a'"):
        dm.setup("fit")


def test_unseen_test_label_is_named(shared_data):
    train = make_series_set(np.random.default_rng(0).normal(size=(8, 1, 5)), ["a", "b"] * 4)
    test = make_series_set(np.ones((2, 1, 5)), ["a", "zzz"])
    dm = SensorDataModule.from_series(train=train, test=test, val_fraction=0.25)
    dm.setup("fit")
    dm.setup("test")
    with pytest.raises(DataError, match=r"labels \['zzz'\] never occur in the training data"):
        dm.test_dataloader()


def test_channel_scaler_values_equal_the_stacked_data_statistics_and_tracemalloc_bounds_its_copy():
    import tracemalloc

    rng = np.random.default_rng(3)
    values = [rng.normal(5.0, 3.0, size=(6, int(n))) for n in rng.integers(1, 400, 300)]
    data = make_series_set(values)
    stacked = np.concatenate(values, axis=1)  # the statistics as they were computed before
    tracemalloc.start()
    scaler = fit_channel_scaler(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert scaler.mean == stacked.mean(axis=1).tolist() and scaler.scale == stacked.std(axis=1).tolist()
    assert peak < stacked.nbytes / 2  # one channel at a time (1/6 of the data and a temporary), not all
