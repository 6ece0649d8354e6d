"""A tensor with another channel count than the random-features classifier was fitted on is a
DataError naming the expected and found channels, for direct users of the model class (not the raw
einsum error from deep inside the feature transform). Real data: BasicMotions (UEA, 6 channels)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.errors import DataError
from ssm_ts.models.random_feature_classifier import RandomFeatureClassifier
from ssm_ts.pipelines.sensor import read_ts

LABELS = ["Badminton", "Running", "Standing", "Walking"]


@pytest.fixture(scope="module")
def basic_motions(shared_data):
    torch.set_num_threads(1)
    train = read_ts(shared_data / "classification/BasicMotions/BasicMotions_TRAIN.ts")
    targets = np.array([LABELS.index(label) for label in train.labels])
    model = RandomFeatureClassifier(n_channels=6, n_classes=4, n_kernels=100).fit(train.values, targets)
    # (batch, length, channels), as forward takes them
    x = torch.as_tensor(np.stack(train.values[:8]), dtype=torch.float64).transpose(1, 2)
    return model, x, targets[:8]


def test_the_fitted_channels_still_classify(basic_motions):
    model, x, targets = basic_motions
    scores = model(x)
    assert scores.shape == (8, 4)
    assert (scores.argmax(1).numpy() == targets).mean() >= 0.75  # BasicMotions is easy


@pytest.mark.parametrize("channels", [[0, 1, 2], [0, 1, 2, 3, 4, 5, 0]])
def test_forward_with_other_channels_names_expected_and_found(basic_motions, channels):
    model, x, _ = basic_motions
    with pytest.raises(DataError, match=rf"has {len(channels)} channels.*fitted on 6 channels"):
        model(x[..., channels])


def test_forward_with_channels_first_names_the_layout(basic_motions):
    model, x, _ = basic_motions
    with pytest.raises(DataError, match=r"\(batch, length, channels\)"):
        model(x.transpose(1, 2))  # (batch, channels, length): 100 "channels" of 6 steps


def test_forward_with_a_2d_tensor_names_the_shape(basic_motions):
    model, x, _ = basic_motions
    with pytest.raises(DataError, match=r"\(batch, length, channels\).*\(100, 6\)"):
        model(x[0])


def test_transform_padded_with_other_channels_names_expected_and_found(basic_motions):
    model, x, _ = basic_motions
    features = model.features
    recordings = x.transpose(1, 2).float()  # (n, channels, length)
    lengths = np.full(len(recordings), recordings.shape[-1])
    assert features.transform_padded(recordings, lengths).shape == (8, features.n_features)
    with pytest.raises(DataError, match=r"has 2 channels.*fitted on 6"):
        features.transform_padded(recordings[:, :2], lengths)
