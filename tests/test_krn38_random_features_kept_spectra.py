"""Random SSM features keep their kernels' spectra between transforms (a prediction in batches made
every kernel's impulse response and FFT again for each batch): the same features, bit for bit, kept
within the memory budget, computed again for other kernels (a new fit, ``load_state_dict``), another
length or rate, and absent from copies and pickles."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch

from ssm_ts.models import random_ssm_features
from ssm_ts.models.random_feature_classifier import RandomFeatureClassifier
from ssm_ts.models.random_ssm_features import RandomSSMFeatures, _padded
from tests.call_counts import counted_calls
from tests.models.test_random_features_memory import MIB, LiveTensorBytes

OPTIONS = {"n_kernels": 40, "n_modes": 3, "chunk": 16, "shift_fraction": 0.5}
BLOCKS = 3  # 40 kernels in chunks of 16


@pytest.fixture
def kernel_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return counted_calls(monkeypatch, random_ssm_features, "ssm_kernels")


@pytest.fixture
def gunpoint(gunpoint_ucr) -> tuple[list[np.ndarray], np.ndarray, list[np.ndarray]]:
    train, test = gunpoint_ucr
    targets = np.array([int(label) - 1 for label in train.labels[:20]])
    return list(train.values[:20]), targets, list(test.values[:24])


def _not_kept(monkeypatch: pytest.MonkeyPatch, features: RandomSSMFeatures) -> RandomSSMFeatures:
    """A copy that computes every spectrum on every call, as before they were kept."""
    plain = copy.deepcopy(features)
    monkeypatch.setattr(plain, "keeps_spectra", lambda length: False)
    return plain


def test_transforms_in_batches_make_the_spectra_once(gunpoint, kernel_calls, monkeypatch):
    train, _, test = gunpoint
    features = RandomSSMFeatures(**OPTIONS, seed=1).fit(train)
    assert features.keeps_spectra(150)
    calls = len(kernel_calls)
    batches = [features.transform(test[i : i + 8]) for i in range(0, len(test), 8)]
    assert len(kernel_calls) == calls + BLOCKS  # the old code: 3 x BLOCKS
    plain = _not_kept(monkeypatch, features)
    for i, batch in zip(range(0, len(test), 8), batches, strict=True):
        assert np.array_equal(batch, plain.transform(test[i : i + 8]))

    calls = len(kernel_calls)
    at_half_rate = features.transform(test[:8], rate=0.5)  # another rate: its own spectra
    assert len(kernel_calls) == calls + BLOCKS
    assert np.array_equal(at_half_rate, plain.transform(test[:8], rate=0.5))

    features.seed = plain.seed = 2  # new kernels: made again, not the old ones' spectra
    features.fit(train), plain.fit(train)
    calls = len(kernel_calls)
    assert np.array_equal(features.transform(test[:8]), plain.transform(test[:8]))
    assert len(kernel_calls) == calls + 2 * BLOCKS  # (+ the plain copy's own)


def test_kept_spectra_stay_within_the_memory_budget(gunpoint):
    """The blocks share what the kept spectra leave of the budget: without that, this peak was 0.42 MiB."""
    train, _, test = gunpoint
    budget = 0.35
    features = RandomSSMFeatures(**{**OPTIONS, "n_kernels": 120}, memory_budget_mb=budget).fit(train)
    assert features.keeps_spectra(150)
    x, lengths = _padded(test[:6])
    output = 6 * features.n_features * 4
    with LiveTensorBytes() as memory:
        features.transform_padded(x, lengths)
    assert memory.peak - output <= budget * MIB
    # too long to keep within the budget: made on every call, as before
    assert not features.keeps_spectra(1000)


def test_copies_and_pickles_start_without_them(gunpoint, kernel_calls):
    train, _, test = gunpoint
    features = RandomSSMFeatures(**OPTIONS).fit(train)
    first = features.transform(test[:4])
    size = len(pickle.dumps(features))
    features.transform(test[4:8])
    assert len(pickle.dumps(features)) == size
    calls = len(kernel_calls)
    for again in (pickle.loads(pickle.dumps(features)), copy.deepcopy(features)):
        assert np.array_equal(again.transform(test[:4]), first)
    assert len(kernel_calls) == calls + 2 * BLOCKS


def test_classifier_module_keeps_them_until_load_state_dict(gunpoint, kernel_calls, monkeypatch):
    train, targets, test = gunpoint
    net = RandomFeatureClassifier(n_channels=1, n_classes=2, **OPTIONS).fit(train, targets).eval()
    x, lengths = _padded(test)
    x, mask = x.transpose(1, 2), torch.arange(150)[None, :] < torch.as_tensor(lengths)[:, None]
    with torch.no_grad():
        net(x[:8], mask[:8])
        calls = len(kernel_calls)
        scores = net(x[8:16], mask[8:16])
    assert len(kernel_calls) == calls  # the kernels rebuilt from the buffers are the same values
    kept, net.features = net.features, _not_kept(monkeypatch, net.features)
    with torch.no_grad():
        assert torch.equal(scores, net(x[8:16], mask[8:16]))
    net.features = kept
    scores = net(x[8:16], mask[8:16])  # gradients on: nothing requires one, so kept as well
    calls = len(kernel_calls)
    assert torch.equal(net(x[8:16], mask[8:16]), scores) and len(kernel_calls) == calls

    other = RandomFeatureClassifier(n_channels=1, n_classes=2, **OPTIONS, seed=7).fit(train, targets)
    calls = len(kernel_calls)
    net.load_state_dict(other.state_dict())  # the same buffers, other values
    with torch.no_grad():
        assert torch.equal(net(x[8:16], mask[8:16]), copy.deepcopy(other).eval()(x[8:16], mask[8:16]))
    assert len(kernel_calls) == calls + 2 * BLOCKS  # net's spectra made again, and the copy's


def test_recordings_of_several_lengths_keep_spectra_for_each(gunpoint, kernel_calls, monkeypatch):
    """Each padded length is a group of its own: one kept length made every call compute the others."""
    train, _, test = gunpoint
    features = RandomSSMFeatures(**OPTIONS).fit(train)
    values = [v[:, :n] for v, n in zip(test, (150, 150, 100, 100, 60, 60), strict=False)]
    sizes = np.unique(features.padded_lengths(np.array([v.shape[1] for v in values])))
    assert len(sizes) == 3
    calls = len(kernel_calls)
    first = features.transform(values)
    assert len(kernel_calls) == calls + 3 * BLOCKS
    assert np.array_equal(features.transform(values[::-1]), first[::-1])
    assert len(kernel_calls) == calls + 3 * BLOCKS
    assert np.array_equal(first, _not_kept(monkeypatch, features).transform(values))
