"""The validation split over whole groups when the groups cannot give it: one group per class raises,
naming the classes and their groups; too few groups for ``val_fraction`` (two hold out half) warn,
naming the share held out (it was silent)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set
from ssm_ts.pipelines.sensor.group_split import group_split


def _data(labels: list[str]):
    return make_series_set([np.zeros((1, 8), np.float32)] * len(labels), np.array(labels))


def test_one_group_per_class_names_the_classes_and_their_groups():
    data = _data(["walk"] * 4 + ["sit"] * 4)
    groups = np.array(["s1"] * 4 + ["s2"] * 4)
    with pytest.raises(
        DataError,
        match=r"no split of its 2 groups keeps every class in training \(2 folds, val_fraction=0.25\): "
        r"class 'sit' is in 1 group \('s2'\), class 'walk' is in 1 group \('s1'\).*val_fraction=0",
    ):
        group_split(data, 0.25, 0, groups)
    with pytest.raises(
        DataError, match=r"every recording is of one group \('s1', all 8 recordings\).*val_fraction=0"
    ):
        group_split(data, 0.25, 0, np.array(["s1"] * 8))


def test_too_few_groups_for_the_fraction_warn_the_share_held_out():
    data = _data(["walk", "sit"] * 4)
    with pytest.warns(UserWarning, match=r"val_fraction=0.2 held out 4 of 8 recordings \(50%\)") as caught:
        train, val = group_split(data, 0.2, 0, np.repeat(["s1", "s2"], 4))
    assert (len(train), len(val)) == (4, 4)
    assert caught[0].filename == __file__  # at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train, val = group_split(data, 0.25, 0, np.arange(8))  # one recording a group: about a quarter
    assert len(val) == 2
