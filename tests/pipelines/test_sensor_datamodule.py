"""SensorDataModule: stratified validation from TRAIN only, train-only scaler, padded batches with masks."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ssm_ts.errors import ConfigError, DataError
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
    with pytest.raises(DataError, match=r"smallest class 'b': 1 recording\)"):
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


# ------------------------------------------------------------ length-aware batches (max_batch_steps)


def _long_and_short(seed: int = 0):
    """40 labelled recordings of 10 to 5,000 steps, two channels."""
    rng = np.random.default_rng(seed)
    lengths = np.concatenate([rng.integers(10, 200, 30), rng.integers(2_000, 5_000, 10)])
    values = [rng.normal(size=(2, int(n))) for n in rng.permutation(lengths)]
    return make_series_set(values, ["a", "b"] * 20)


def _epochs(module: SensorDataModule, n: int) -> list[list[tuple]]:
    """Per epoch, the (x shape, mask, y) of each training batch."""
    from lightning.fabric.utilities.data import _set_sampler_epoch

    loader = module.train_dataloader()
    epochs = []
    for epoch in range(n):
        _set_sampler_epoch(loader, epoch)  # as Lightning does before every epoch
        epochs.append([(x.shape, mask, y) for x, mask, y in loader])
    return epochs


def test_max_batch_steps_keeps_every_batch_within_the_budget_and_uses_every_recording_once():
    data = _long_and_short()
    module = SensorDataModule.from_series(train=data, val_fraction=0, batch_size=16, max_batch_steps=8_000)
    module.setup("fit")
    epochs = _epochs(module, 2)
    for batches in epochs:
        assert len(batches) == len(module.train_dataloader())
        for shape, mask, _ in batches:
            assert shape[0] <= 16 and shape[0] * shape[1] <= 8_000, shape
            assert mask.any(dim=1).all() and mask[:, -1].any()  # padded to its own longest only
        # every recording once: the real steps of each label add up to the data's
        seen = sorted(int(n) for _, mask, _ in batches for n in mask.sum(dim=1))
        assert seen == sorted(int(n) for n in data.lengths)
        assert sum(y.numel() for _, _, y in batches) == len(data)
    # short recordings share batches (16 of ~100 steps), long ones go 1-3 at a time
    assert max(shape[0] for shape, _, _ in epochs[0]) == 16 and min(shape[0] for shape, _, _ in epochs[0]) < 4
    # a new order each epoch, the same for the same seed
    assert [s for s, _, _ in epochs[0]] != [s for s, _, _ in epochs[1]]
    again = SensorDataModule.from_series(train=data, val_fraction=0, batch_size=16, max_batch_steps=8_000)
    again.setup("fit")
    first_again = _epochs(again, 1)[0]
    assert [s for s, _, _ in first_again] == [s for s, _, _ in epochs[0]]
    assert all((a[2] == b[2]).all() for a, b in zip(first_again, epochs[0], strict=True))


def test_max_batch_steps_bounds_validation_batches_too():
    data = _long_and_short()
    module = SensorDataModule.from_series(train=data, val_fraction=0.25, batch_size=16, max_batch_steps=8_000)
    module.setup("fit")
    shapes = [x.shape for x, _, _ in module.val_dataloader()]
    assert sum(s[0] for s in shapes) == 10 and all(s[0] * s[1] <= 8_000 for s in shapes), shapes
    assert [s[1] for s in shapes] == sorted(s[1] for s in shapes)  # not shuffled: shortest first


def test_a_recording_longer_than_max_batch_steps_goes_alone_with_a_warning_naming_the_fix():
    data = make_series_set([np.zeros((1, n)) for n in (50, 60, 9_000, 70)], ["a", "b"] * 2)
    module = SensorDataModule.from_series(train=data, val_fraction=0, batch_size=16, max_batch_steps=1_000)
    module.setup("fit")
    with pytest.warns(UserWarning, match=r"1 recording\(s\) are longer.*9000 steps.*Crop the recordings"):
        loader = module.train_dataloader()
    assert sorted(x.shape[:2] for x, _, _ in loader) == [(1, 9_000), (3, 70)]


def test_a_bad_max_batch_steps_is_refused():
    with pytest.raises(ConfigError, match="max_batch_steps must be a positive number"):
        SensorDataModule(max_batch_steps=0)


def test_without_max_batch_steps_basicmotions_batches_follow_seed_and_epoch(shared_data):
    """The default: batches of batch_size in the order of (seed, epoch) (EpochSeededSampler), as a resumed
    fit replays it; before, a generator seeded once per fit (a resume replayed epoch 0's order)."""
    import warnings

    import torch
    from lightning.fabric.utilities.data import _set_sampler_epoch
    from torch.utils.data import DataLoader

    from ssm_ts.pipelines.sampling import EpochSeededSampler
    from ssm_ts.pipelines.sensor.datamodule import RecordingDataset, collate_recordings, encode_labels

    module = SensorDataModule(path=str(shared_data / "classification/BasicMotions"), batch_size=16, seed=3)
    module.setup("fit")
    order = EpochSeededSampler(len(module.train_set), seed=3)
    reference = DataLoader(
        RecordingDataset(module.train_set, encode_labels(module.train_set, module.classes)),
        batch_size=16,
        sampler=order,
        collate_fn=collate_recordings,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # short recordings: no memory warning
        loader = module.train_dataloader()
    for epoch in range(2):  # two epochs: each its own order
        _set_sampler_epoch(loader, epoch)
        order.set_epoch(epoch)
        for (x, mask, y), (rx, rmask, ry) in zip(loader, reference, strict=True):
            assert torch.equal(x, rx) and torch.equal(mask, rmask) and torch.equal(y, ry)


def test_long_recordings_without_max_batch_steps_warn_before_training_naming_the_fix():
    data = make_series_set([np.zeros((1, 100_000), dtype=np.float32)] * 4, ["a", "b"] * 2)
    module = SensorDataModule.from_series(train=data, val_fraction=0, batch_size=16)
    module.setup("fit")
    with pytest.warns(
        UserWarning, match=r"4 recordings padded to 100,000 steps.*~3 GiB.*Set max_batch_steps"
    ):
        module.train_dataloader()
