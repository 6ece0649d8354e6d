"""Overlapping windows fitted as a plain array without their groups (``X, y, groups, starts =
sliding_windows(...)``, then ``fit(X, y)``): the encoder's random validation split leaks, and
``LeakyValidationWarning`` now says so (only ``StreamWindows`` given whole warned); recordings that are
not windows of a stream, non-overlapping windows and a fit given ``groups`` stay quiet."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.api.classifier_streams import stream_fit_arguments
from ssm_ts.leaky_validation import LeakyValidationWarning, overlap_step
from ssm_ts.pipelines.sensor import sliding_windows

TINY = dict(d_model=4, n_layers=1, d_state=4, max_epochs=1, batch_size=16, val_fraction=0.25)


def _windows(gunpoint_ucr, step: int):
    """GunPoint's first 12 recordings as one stream, each its own group, cut into windows of 50."""
    train, _ = gunpoint_ucr
    frame = pd.concat(
        pd.DataFrame({"x": train.values[i][0], "label": train.labels[i], "recording": i}) for i in range(12)
    )
    return sliding_windows(frame, window=50, step=step, label_col="label", group_col="recording")


def test_overlap_step_finds_the_windows_step(gunpoint_ucr):
    train, _ = gunpoint_ucr
    assert overlap_step(_windows(gunpoint_ucr, 10).X) == 10
    assert overlap_step(_windows(gunpoint_ucr, 10).X[:, 0]) == 10  # (n, length): one channel
    assert overlap_step(_windows(gunpoint_ucr, 50).X) is None  # side by side, no shared samples
    assert overlap_step(np.stack(train.values)) is None  # separate recordings
    assert overlap_step(np.zeros((20, 2, 50))) is None  # constant (padding) repeats, but is no stream


def test_fit_on_window_arrays_without_groups_warns(gunpoint_ucr):
    X, y, groups, _ = _windows(gunpoint_ucr, 25)
    with pytest.warns(
        LeakyValidationWarning, match=r"from 25 samples on.*fit\(X, y, groups=groups\)"
    ) as caught:
        SSMClassifier(**TINY).fit(X, y)
    assert caught[0].filename == __file__  # at the user's line
    train, _ = gunpoint_ucr
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeakyValidationWarning)
        stream_fit_arguments(X, y, groups, 0.25)  # given groups: split by them
        stream_fit_arguments(X, y, None, 0)  # no validation split
        stream_fit_arguments(np.stack(train.values), train.labels, None, 0.25)  # not windows
