"""A df-list made by ``[pd.read_csv(path) for path in files]`` keeps each CSV's ``time`` column as a
column and numbers the rows: ``SSMClassifier`` read the clock as a channel without a word (the sensor
CSV readers warn of such a column). It now warns, with the line that makes it the index."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier


def _frames(time_index: bool = False) -> tuple[list[pd.DataFrame], np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.array(["walk", "sit"] * 3)
    frames = []
    for label in y:
        frame = pd.DataFrame(rng.normal(size=(30, 2)) + (label == "walk"), columns=["acc_x", "acc_y"])
        frame.insert(0, "time", np.arange(30) / 50)  # as pd.read_csv reads a recording CSV
        frames.append(frame.set_index("time") if time_index else frame)
    return frames, y


def test_a_time_column_of_read_csv_frames_warns_with_the_fix():
    frames, y = _frames()
    clf = SSMClassifier(method="random_features", n_kernels=10)
    with pytest.warns(
        UserWarning,
        match=r"column\(s\) \['time'\] are read as channels.*X = \[x.set_index\('time'\) for x in X\]",
    ):
        clf.fit(frames, y)
    assert list(clf.feature_names_in_) == ["time", "acc_x", "acc_y"]


def test_times_in_the_index_give_the_sampling_step_and_no_warning():
    frames, y = _frames(time_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SSMClassifier(method="random_features", n_kernels=10).fit(frames, y)
    assert list(clf.feature_names_in_) == ["acc_x", "acc_y"]
    assert clf.sampling_step_ == pytest.approx(0.02)
