"""Test recordings whose labels do not fit the model: none at all, a class never seen in training, or
the training classes written as other numbers ('1' for '1.0'). Each error names the file, how many
recordings and the first of them, and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SensorDataModule, encode_labels, make_series_set

RNG = np.random.default_rng(0)


def fitted(labels: list[str], test) -> SensorDataModule:
    train = make_series_set(RNG.normal(size=(8, 1, 5)), labels * (8 // len(labels)), source="train.ts")
    module = SensorDataModule.from_series(train=train, test=test, val_fraction=0.25)
    module.setup("fit")
    return module


def test_unlabelled_test_recordings_name_the_file_at_setup():
    """They failed in the first test batch with 'the test data has unlabelled recordings; test needs
    labels', naming no file."""
    module = fitted(["a", "b"], make_series_set(np.ones((3, 1, 5)), None, source="mine.ts"))
    with pytest.raises(
        DataError, match=r"mine.ts: the test recordings have no labels.*or classify these with predict"
    ):
        module.setup("test")


def test_a_class_never_seen_in_training_names_the_recordings_and_the_fix():
    test = make_series_set(np.ones((4, 1, 5)), ["a", "zzz", "b", "zzz"], source="test.ts", ids=list("pqrs"))
    module = fitted(["a", "b"], test)
    module.setup("test")
    with pytest.raises(
        DataError,
        match=r"test.ts: labels \['zzz'\] never occur in the training data \(classes \['a', 'b'\]\); 2 of 4 "
        r"recordings carry one, the first 'q'\. The model can only predict .*classify them with predict",
    ):
        module.test_dataloader()


def test_training_classes_written_as_other_numbers_are_named_as_such():
    test = make_series_set(np.ones((2, 1, 5)), ["1", "2"], source="test.ts")
    with pytest.raises(
        DataError,
        match=r"labels \['1', '2'\] never occur .*They are the training classes written as other numbers "
        r"\('1' for '1.0', '2' for '2.0'\): write them as the training data does",
    ):
        encode_labels(test, ["1.0", "2.0"])
    assert list(encode_labels(make_series_set(np.ones((2, 1, 5)), ["2.0", "1.0"]), ["1.0", "2.0"])) == [1, 0]
