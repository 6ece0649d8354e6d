"""Random features of a recording are the same, to the bit, alone or in a batch of recordings of other
lengths. Padded to the longest of its batch, the FFT size (and so the float32 rounding) depended on
the others: on JapaneseVowels (7 to 29 steps) 39 of 40 test recordings had features up to 2.9e-6
apart. Each recording is now padded to a length set by its own (``padded_length``); recordings as
long as the training ones are padded as before (equal-length data sets give the same features)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts import SSMClassifier
from ssm_ts.models.random_feature_classifier import RandomFeatureClassifier
from ssm_ts.models.random_ssm_features import RandomSSMFeatures
from ssm_ts.models.random_ssm_inputs import padded, padded_length

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def vowels(shared_data):
    from ssm_ts.pipelines.sensor import read_ts

    folder = shared_data / "classification" / "JapaneseVowels"
    train = read_ts(folder / "JapaneseVowels_TRAIN.ts").subset(np.arange(0, 270, 9))  # 30, every class
    return train, read_ts(folder / "JapaneseVowels_TEST.ts").subset(np.arange(0, 370, 37))


def test_features_of_a_recording_do_not_depend_on_its_batch(vowels):
    train, test = vowels
    features = RandomSSMFeatures(n_kernels=40, seed=0, shift_fraction=0.5).fit(train.values)
    batch = features.transform(test.values)
    assert len({v.shape[1] for v in test.values}) > 3  # recordings of unequal length
    for i, recording in enumerate(test.values):
        assert np.array_equal(features.transform([recording])[0], batch[i])


def test_the_classifier_module_scores_a_recording_alike_in_any_batch(vowels):
    train, test = vowels
    targets = np.unique(train.labels, return_inverse=True)[1]
    net = RandomFeatureClassifier(n_channels=12, n_classes=9, n_kernels=40).fit(train.values, targets)
    x, lengths = padded(test.values)  # padded to the batch's longest, as a data loader pads
    mask = torch.arange(x.shape[-1])[None, :] < torch.as_tensor(lengths)[:, None]
    scores = net(x.transpose(1, 2), mask)
    for i, recording in enumerate(test.values):
        alone = net(torch.as_tensor(recording, dtype=torch.float32).T[None])
        assert torch.equal(alone[0], scores[i])
    # the module's batch (padded to its longest) gets the features transform gives the recordings
    assert torch.equal(
        net.features.transform_batch(x, lengths), torch.from_numpy(net.features.transform(test.values))
    )


def test_predict_proba_of_one_recording_is_its_row_of_the_batch(vowels):
    train, test = vowels
    model = SSMClassifier(method="random_features", n_kernels=40).fit(train)
    proba = model.predict_proba(test.values)
    for i in (0, 3, 7):
        assert np.array_equal(model.predict_proba([test.values[i]])[0], proba[i])
    # each row on its own: what the fitted pipeline's own decision_function gives, but for rounding
    features = model.features_.transform([model.scaler_.transform(v) for v in test.values])
    np.testing.assert_allclose(
        model.decision_function(test.values),
        model.ridge_.decision_function(features.astype(np.float64)),
        rtol=1e-12,
        atol=1e-12,
    )


def test_padded_lengths_follow_the_training_length():
    assert padded_length(150, 150) == 150  # as long as the training recordings: padded as before
    assert padded_length(7, None) == 7  # features fitted before the training length was kept
    for n in range(1, 700):
        size = padded_length(n, 150)
        assert n <= size < 1.42 * n + 2
    assert {padded_length(n, 150) for n in range(40, 301)} == {54, 75, 107, 150, 213, 300}  # 2 a doubling


def test_a_checkpoint_without_the_training_length_pads_each_recording_to_its_own(vowels):
    train, test = vowels
    targets = np.unique(train.labels, return_inverse=True)[1]
    net = RandomFeatureClassifier(n_channels=12, n_classes=9, n_kernels=20).fit(train.values, targets)
    state = {k: v for k, v in net.state_dict().items() if k != "kernel_length"}
    old = RandomFeatureClassifier(n_channels=12, n_classes=9, n_kernels=20)
    old.load_state_dict(state)
    assert old.kernels().length is None
    recording = torch.as_tensor(test.values[0], dtype=torch.float32).T[None]
    assert old(recording).shape == (1, 9)
