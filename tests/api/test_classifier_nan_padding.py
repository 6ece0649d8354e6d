"""Recordings of unequal length NaN-padded to a common length (tslearn's ``to_time_series_dataset``,
a pandas pivot of a long table): the NaN error names the padding and the list fix, rather than
suggesting ``nan_policy='interpolate'``, which would stretch each recording's last value over its
padding and train on that as data."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError


@pytest.fixture(scope="module")
def padded(shared_data):
    from ssm_ts.pipelines.sensor import read_ts

    folder = shared_data / "classification" / "JapaneseVowels"
    train = read_ts(folder / "JapaneseVowels_TRAIN.ts")  # 12 channels, 7-26 steps
    X = np.full((len(train), train.n_channels, int(train.lengths.max())), np.nan)
    for i, x in enumerate(train.values):
        X[i, :, : x.shape[1]] = x
    return X, train


def test_nan_padding_is_named_with_the_list_fix(padded):
    X, train = padded
    first = int(np.flatnonzero(train.lengths < X.shape[-1])[0])
    with pytest.raises(
        DataError, match=f"recording {first}: .*: its last {X.shape[-1] - train.lengths[first]} steps"
    ) as err:
        SSMClassifier(method="random_features", n_kernels=100).fit(X, train.labels)
    message = str(err.value)
    assert "padding" in message and "[x[:, ~np.isnan(x).all(axis=0)] for x in X]" in message


def test_the_fix_given_reads_the_real_recordings(padded):
    X, train = padded
    recordings = [x[:, ~np.isnan(x).all(axis=0)] for x in X]  # as the message says
    assert [r.shape[1] for r in recordings] == train.lengths.tolist()
    model = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(
        recordings, train.labels
    )
    reference = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(
        train.values, train.labels
    )
    np.testing.assert_array_equal(
        model.predict_proba(train.values[:20]), reference.predict_proba(train.values[:20])
    )


def test_a_gap_inside_a_recording_keeps_the_nan_policy_advice(padded):
    _, train = padded
    X = [x.copy() for x in train.values]
    X[4][2, 3] = np.nan
    with pytest.raises(DataError, match="channel 2, time step 3") as err:
        SSMClassifier(method="random_features", n_kernels=100).fit(X, train.labels)
    assert "nan_policy='interpolate'" in str(err.value) and "padding" not in str(err.value)
