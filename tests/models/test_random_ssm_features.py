"""Random SSM features: kernels are the frozen S4D impulse responses, features ignore padding and the
company a recording is batched with, backward kernels read each recording reversed within its length,
and the draw is reproducible from the seed. As a torch module with a ridge head (the closed-form
``random_features`` classifier) it scores like the scikit-learn ridge it is fitted with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.models.random_feature_classifier import (
    RandomFeatureClassifier,
    build_random_feature_classifier,
    fit_features_ridge,
    ridge_class_scores,
)
from ssm_ts.models.random_ssm_features import (
    POOLINGS,
    SHIFT_TAPS,
    RandomSSMFeatures,
    _padded,
    _reverse_within,
    _ssm_kernels,
    pool_responses,
)


@pytest.fixture(scope="module")
def recordings():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(3, n)).cumsum(axis=1) for n in (20, 35, 50, 28, 41, 33)]


@pytest.fixture(scope="module")
def fitted(recordings):
    return RandomSSMFeatures(n_kernels=40, n_modes=3, chunk=16, seed=1, max_cycles=4.0).fit(recordings)


def test_kernels_are_s4d_impulse_responses(fitted):
    kernels = fitted.kernels_
    K = _ssm_kernels(kernels, slice(0, 5), 30).double()
    dt = np.exp(kernels.log_dt[:5])[:, None]
    A = -0.5 + 1j * kernels.freq[:5]  # S4D-Lin real part
    dA = np.exp(dt * A)
    dB = (dA - 1) / A  # zero-order hold with B = 1
    steps = np.arange(30)
    expected = 2 * np.real(np.einsum("kn,knl->kl", kernels.C[:5] * dB, dA[..., None] ** steps))
    assert np.allclose(K.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_shapes_ranges_and_padding_independence(fitted, recordings):
    together = fitted.transform(recordings, batch_size=6)
    assert together.shape == (6, 80) and together.dtype == np.float32
    ppv = together[:, 0::2]
    assert (ppv >= 0).all() and (ppv <= 1).all() and 0.05 < ppv.mean() < 0.95
    alone = np.concatenate([fitted.transform([r]) for r in recordings])
    assert np.allclose(together, alone, atol=1e-5)  # padding and batch mates change nothing


def test_reverse_within_keeps_padding_at_the_end():
    x = torch.tensor([[[1.0, 2.0, 3.0, 0.0]], [[4.0, 5.0, 6.0, 7.0]]])
    out = _reverse_within(x, np.array([3, 4]))
    assert out.tolist() == [[[3.0, 2.0, 1.0, 0.0]], [[7.0, 6.0, 5.0, 4.0]]]


def test_same_seed_same_features_other_seed_others(fitted, recordings):
    again = RandomSSMFeatures(n_kernels=40, n_modes=3, chunk=16, seed=1, max_cycles=4.0).fit(recordings)
    assert np.array_equal(again.transform(recordings), fitted.transform(recordings))
    other = RandomSSMFeatures(n_kernels=40, n_modes=3, chunk=16, seed=2, max_cycles=4.0).fit(recordings)
    assert not np.allclose(other.transform(recordings), fitted.transform(recordings))


def test_clear_errors(recordings):
    with pytest.raises(ConfigError, match="must be positive"):
        RandomSSMFeatures(n_kernels=0)
    with pytest.raises(ConfigError, match="before fit"):
        RandomSSMFeatures(n_kernels=4).transform(recordings)


def test_recordings_that_do_not_fit_name_the_recording_and_the_fix(fitted, recordings):
    """Another channel count was a raw einsum error, an empty recording a ZeroDivisionError."""
    other = [recordings[0], np.zeros((2, 30))]
    with pytest.raises(DataError, match=r"recording 1 has 2 channels, but the features were fitted on 3"):
        fitted.transform(other)
    with pytest.raises(DataError, match=r"recording 1 is empty \(length 0\)"):
        fitted.transform([recordings[0], np.zeros((3, 0))])
    with pytest.raises(DataError, match=r"recording 0 must be \(channels, length\), got shape \(30,\)"):
        fitted.transform([np.zeros(30)])
    with pytest.raises(DataError, match=r"recording 1 has 2 channels, but recording 0 has 3"):
        RandomSSMFeatures(n_kernels=4).fit(other)
    with pytest.raises(DataError, match=r"recording 0 is empty"):
        RandomSSMFeatures(n_kernels=4).fit([np.zeros((3, 0))])
    with pytest.raises(DataError, match=r"at least one training recording"):
        RandomSSMFeatures(n_kernels=4).fit([])


def test_pool_responses_by_hand():
    y = torch.tensor([[[0.0, 2.0, -1.0, 3.0, 9.0]]])  # one recording, one kernel; the last step is padding
    valid = torch.tensor([[[True, True, True, True, False]]])
    ppv, peak, mpv, mipv = pool_responses(y, torch.tensor(1.0), valid, torch.tensor([4]), POOLINGS)
    assert ppv.item() == 0.5 and peak.item() == 3.0  # steps 1 and 3 are above 1; padding ignored
    assert mpv.item() == 1.5 and mipv.item() == (1 + 3) / 2 / 4


def test_pooling_choice_sets_the_feature_count(recordings):
    features = RandomSSMFeatures(n_kernels=10, pooling=POOLINGS, chunk=4).fit(recordings)
    assert features.n_features == 40 and features.transform(recordings).shape == (6, 40)
    with pytest.raises(ConfigError, match="pooling"):
        RandomSSMFeatures(pooling=("ppv", "median"))


# ------------------------------------------------------------------ shift-SSM (dilated FIR) kernels


@pytest.fixture(scope="module")
def mixed(recordings):
    return RandomSSMFeatures(
        n_kernels=40, n_modes=3, chunk=16, seed=1, max_cycles=4.0, shift_fraction=0.5
    ).fit(recordings)


def test_shift_kernels_are_dilated_fir_filters_read_forwards(mixed):
    kernels = mixed.kernels_
    assert kernels.shift.tolist() == [False] * 20 + [True] * 20  # the last shift_fraction of the kernels
    responses = _ssm_kernels(kernels, slice(0, 40), 60).numpy()
    for k in range(20, 40):
        n_taps = int(np.count_nonzero(kernels.taps[k]))
        assert n_taps in SHIFT_TAPS and abs(kernels.taps[k].sum()) < 1e-9  # zero-mean taps, as ROCKET's
        expected = np.zeros(60)
        positions = np.arange(n_taps) * kernels.dilation[k]
        expected[positions[positions < 60]] = kernels.taps[k, :n_taps][positions < 60]
        np.testing.assert_allclose(responses[k], expected, atol=1e-6)
        assert -1 <= kernels.thresholds[k] <= 1 and kernels.start[k] in (
            0,
            (n_taps - 1) * kernels.dilation[k],
        )
    assert not (kernels.difference[20:] | kernels.backward[20:]).any()
    assert (kernels.start[:20] == 0).all() and (kernels.start[20:] > 0).any()


def test_shift_kernel_features_by_hand_and_independent_of_padding(mixed, recordings):
    kernels, features = mixed.kernels_, mixed.transform(recordings, batch_size=6)
    alone = np.concatenate([mixed.transform([r]) for r in recordings])
    np.testing.assert_allclose(features, alone, atol=1e-5)
    inside_only = [k for k in range(20, 40) if 0 < kernels.start[k] < 19]
    assert inside_only
    for k in inside_only:
        for i, recording in enumerate(recordings):
            mix = kernels.channel_weights[k] @ recording  # signs only
            filt = np.zeros(kernels.start[k] + 1)
            n_taps = int(np.count_nonzero(kernels.taps[k]))
            filt[np.arange(n_taps) * kernels.dilation[k]] = kernels.taps[k, :n_taps]
            response = np.convolve(mix, filt)[: len(mix)][kernels.start[k] :]  # filter wholly inside
            ppv, peak = features[i, 2 * k], features[i, 2 * k + 1]
            assert ppv == pytest.approx(np.mean(response > kernels.thresholds[k]), abs=1e-6)
            assert peak == pytest.approx(response.max(), rel=1e-4, abs=1e-4)


def test_shift_kernels_leave_the_s4d_kernels_as_they_were(fitted, mixed, recordings):
    assert np.array_equal(mixed.transform(recordings)[:, :40], fitted.transform(recordings)[:, :40])
    with pytest.raises(ConfigError, match="shift_fraction"):
        RandomSSMFeatures(shift_fraction=1.5)


# ------------------------------------------------------------------ RandomFeatureClassifier (torch module)


def _scaled_batch(values):
    """``(batch, length, channels)`` zero-padded and its mask, as ClassificationTask hands them to its net."""
    x, lengths = _padded(values)
    mask = torch.arange(x.shape[-1])[None, :] < torch.as_tensor(lengths)[:, None]
    return x.transpose(1, 2), mask


@pytest.mark.parametrize("n_classes, shift_fraction", [(2, 0.0), (3, 0.0), (3, 0.5)])
def test_classifier_module_scores_are_the_sklearn_ridge_scores(recordings, n_classes, shift_fraction):
    targets = np.arange(len(recordings)) % n_classes
    options = {"n_kernels": 30, "n_modes": 2, "chunk": 8, "seed": 4, "shift_fraction": shift_fraction}
    net = RandomFeatureClassifier(n_channels=3, n_classes=n_classes, **options).fit(recordings, targets)
    assert not any(p.requires_grad for p in net.parameters())
    features = RandomSSMFeatures(**options)
    ridge = fit_features_ridge(features, recordings, targets)  # the one fit both front ends use
    expected = ridge_class_scores(ridge.decision_function(features.transform(recordings)))
    scores = net(*_scaled_batch(recordings)).numpy()
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)
    assert np.array_equal(scores.argmax(1), ridge.predict(features.transform(recordings)))

    again = RandomFeatureClassifier(n_channels=3, n_classes=n_classes, **options)
    again.load_state_dict(net.state_dict())  # buffers and the frozen head hold the whole model
    assert torch.equal(again(*_scaled_batch(recordings)), net(*_scaled_batch(recordings)))


def test_classifier_module_errors_name_the_fix(recordings):
    with pytest.raises(ConfigError, match="bad option for model 'random_features'.*n_kernels"):
        build_random_feature_classifier(n_channels=3, n_classes=2, options={"kernels": 10})
    net = RandomFeatureClassifier(n_channels=3, n_classes=3, n_kernels=8)
    with pytest.raises(ConfigError, match="not fitted"):
        net(*_scaled_batch(recordings))
    with pytest.raises(DataError, match=r"no recordings of class indices \[2\]"):
        net.fit(recordings, np.arange(len(recordings)) % 2)
    net.fit(recordings, np.arange(len(recordings)) % 3)
    with pytest.raises(ConfigError, match="rate must be a positive number"):
        net(*_scaled_batch(recordings), rate=0.0)


def test_classifier_checkpoint_from_before_shift_kernels_loads_as_s4d_only(recordings):
    targets = np.arange(len(recordings)) % 2
    net = RandomFeatureClassifier(n_channels=3, n_classes=2, n_kernels=12, chunk=4, shift_fraction=0.0)
    net.fit(recordings, targets)
    old_state = {k: v for k, v in net.state_dict().items() if k.split("kernel_")[-1] not in SHIFT_STATE}
    again = RandomFeatureClassifier(n_channels=3, n_classes=2, n_kernels=12, chunk=4)
    again.load_state_dict(old_state)
    assert torch.equal(again(*_scaled_batch(recordings)), net(*_scaled_batch(recordings)))


SHIFT_STATE = ("shift", "taps", "dilation", "start")


def _pool_with_int64_counts(y, thresholds, valid, pooling):
    """pool_responses as it was before its counts became int32 (bool sums, int64): the reference."""
    above = (y > thresholds) & valid
    n_above, steps = above.sum(-1), valid.sum(-1).clamp(min=1).to(y.dtype)
    pooled = {
        "ppv": n_above / steps,
        "max": y.masked_fill(~valid, -torch.inf).amax(-1),
        "mpv": ((y - thresholds) * above).sum(-1) / n_above.clamp(min=1),
        "mipv": (above * torch.arange(y.shape[-1], dtype=y.dtype)).sum(-1) / n_above.clamp(min=1) / steps,
    }
    return [pooled[name] for name in pooling]


def test_pooled_features_are_bit_identical_to_int64_counting():
    generator = torch.Generator().manual_seed(0)
    y = torch.randn(7, 5, 300, generator=generator)
    thresholds = torch.randn(1, 5, 1, generator=generator)
    lengths = torch.tensor([300, 1, 17, 299, 150, 64, 2])
    first = torch.tensor([0, 3, 0, 40, 0])[None, :, None].minimum(lengths[:, None, None] - 1)
    steps = torch.arange(300)[None, None, :]
    valid = (steps < lengths[:, None, None]) & (steps >= first)
    for got, want in zip(
        pool_responses(y, thresholds, valid, lengths, POOLINGS),
        _pool_with_int64_counts(y, thresholds, valid, POOLINGS),
        strict=True,
    ):
        assert got.dtype == want.dtype and torch.equal(got, want)
