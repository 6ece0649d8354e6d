"""Audit of sensor classification: ``SSMClassifier``, the sensor data module and ``ssm-ts classify``."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set


def _recordings(n: int = 8, channels: int = 2, length: int = 16):
    rng = np.random.default_rng(0)
    labels = np.array(["a", "b"] * (n // 2))
    return make_series_set(list(rng.normal(size=(n, channels, length))), labels, source="X")


def test_validate_without_a_validation_split_is_an_error_not_a_silent_no_op():
    # a fit with val_fraction 0 keeps none: `classify validate --ckpt_path best` then scored nothing
    module = SensorDataModule.from_series(train=_recordings(), val_fraction=0)
    with pytest.raises(ConfigError, match="nothing to validate: data.val_fraction is 0.*--data.test_path"):
        module.setup("validate")


def test_validate_with_a_validation_split_sets_it_up():
    module = SensorDataModule.from_series(train=_recordings(), val_fraction=0.5)
    module.setup("validate")
    assert len(module.val_set) == 4


def test_an_npz_archive_with_an_upper_case_suffix_is_read_as_one(tmp_path):
    # read_series picks the NumPy reader by the lower-cased suffix; the reader then took DATA.NPZ for
    # a .npy and failed on "values are not numeric ('X')"
    from ssm_ts.pipelines.sensor import read_series

    X = np.random.default_rng(0).normal(size=(4, 2, 10))
    path = tmp_path / "DATA.NPZ"
    with open(path, "wb") as file:  # np.savez would append .npz to the name
        np.savez(file, X=X, y=np.array(["a", "b", "a", "b"]))
    data = read_series(path)
    np.testing.assert_array_equal(np.stack(data.values), X)
    assert list(data.labels) == ["a", "b", "a", "b"]


@pytest.mark.parametrize(
    ("val_fraction", "advice"),
    [
        (0.9, "use a smaller val_fraction, at most 0.75 "),  # 8 of 8 held out: none left to train on
        (0.1, "use a larger val_fraction, at least 0.25,"),  # 1 held out: not one of each class
    ],
)
def test_an_impossible_validation_split_says_which_way_to_move_val_fraction(val_fraction, advice):
    # the message always said "use a larger val_fraction", also when the fraction was too large
    from ssm_ts.errors import DataError
    from ssm_ts.pipelines.sensor import stratified_split

    with pytest.raises(DataError, match=advice.replace("(", r"\(")):
        stratified_split(_recordings(8), val_fraction, seed=0)
    for edge in (0.25, 0.75):  # the bounds named are possible
        train, val = stratified_split(_recordings(8), edge, seed=0)
        assert set(train.labels) == set(val.labels) == {"a", "b"}
