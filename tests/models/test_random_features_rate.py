"""Random SSM features at another sample rate (``rate`` = training sample rate / the recordings' rate):
S4D kernels scale their step and keep their continuous-time gain, modes at the training Nyquist
frequency keep only what the training rate saw, first differences stay slopes per training step,
shift kernels space their taps ``dilation / rate`` steps apart (linearly interpolated between samples),
inside-only pooling follows the scaled filter, and ``rate=1`` computes what it always did."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.signal import resample_poly

from ssm_ts.errors import ConfigError
from ssm_ts.models.random_feature_classifier import RandomFeatureClassifier, ridge_class_scores
from ssm_ts.models.random_ssm_features import (
    RandomSSMFeatures,
    RandomSSMKernels,
    _padded,
    _ssm_kernels,
    inside_start,
)
from ssm_ts.pipelines.sensor import read_ts


@pytest.fixture(scope="module")
def gunpoint(shared_data) -> list[np.ndarray]:
    """GunPoint TEST recordings ``(1, 150)``, z-normalised smooth motion traces."""
    return list(read_ts(shared_data / "classification/GunPoint/GunPoint_TEST.ts").values)


def _response(kernel: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Causal convolution of ``x`` ``(L,)`` with ``kernel`` ``(L,)``: what the transform computes."""
    return np.convolve(x, kernel)[: len(x)]


def _twice(x: np.ndarray) -> np.ndarray:
    """``x`` ``(..., L)`` at twice its rate; padtype 'line' (not zeros beyond the ends, which ring)."""
    return resample_poly(x, 2, 1, axis=-1, padtype="line")


def test_s4d_kernel_at_half_step_on_the_upsampled_signal_gives_the_same_response(gunpoint):
    """A kernel at rate 0.5 on a recording at twice the rate gives, at the shared instants, the
    response of the kernel at rate 1 on the recording: the zero-order hold input matrix scales with
    the step, so the magnitude carries over (before, a kernel had no rate: the 2x recording was read
    as a twice-as-slow signal). Checked on the smooth kernels (at least 16 steps per oscillation):
    the hold reads a step's input as held over the step before it, half a training step at rate 1
    and a quarter at rate 0.5, which moves kernels that oscillate faster by more (about 0.13 of the
    response at 4 to 8 steps per oscillation)."""
    features = RandomSSMFeatures(n_kernels=200, seed=0).fit(gunpoint[:20])
    kernels = features.kernels_
    L = 150
    k1 = _ssm_kernels(kernels, slice(0, 200), L).numpy()
    k2 = _ssm_kernels(kernels, slice(0, 200), 2 * L, rate=0.5).numpy()
    # zero-order hold keeps the gain to a constant input at any step: the decayed kernels' sums agree
    timescale = 2 * np.exp(-np.asarray(kernels.log_dt))
    decayed = timescale <= L / 10
    np.testing.assert_allclose(k2[decayed].sum(1), k1[decayed].sum(1), rtol=1e-3, atol=1e-4)
    cycles = np.abs(kernels.freq * np.exp(kernels.log_dt)[:, None]).max(1) / (2 * np.pi)  # per step
    smooth = np.flatnonzero(cycles < 1 / 16)
    assert len(smooth) > 50
    errors, unscaled = [], []
    for x in gunpoint[:10]:
        x = x[0]
        z = _twice(x)
        for k in smooth:
            y1 = _response(k1[k], x)
            errors.append(np.abs(_response(k2[k], z)[::2] - y1).max() / np.abs(y1).max())
            unscaled.append(np.abs(_response(k1[k], z)[::2] - y1).max() / np.abs(y1).max())
    assert np.median(errors) < 0.03 and np.percentile(errors, 90) < 0.06, np.percentile(errors, [50, 90])
    assert np.median(unscaled) > 0.3  # the kernel at rate 1 on the 2x recording: what the rate corrects


def test_features_at_half_step_on_the_upsampled_recordings_are_the_original_ones(gunpoint):
    """PPV is a share of steps and max a magnitude: both carry over, for every kind of S4D kernel
    (differenced ones too: the difference of a 2x recording is half as big, and is divided by 0.5)."""
    features = RandomSSMFeatures(n_kernels=300, seed=1).fit(gunpoint[:20])
    values = gunpoint[20:60]
    original = features.transform(values)
    scaled = features.transform([_twice(v) for v in values], rate=0.5)
    as_if_rate_1 = features.transform([_twice(v) for v in values])
    ppv, top = slice(0, None, 2), slice(1, None, 2)
    kernels = features.kernels_
    for kind in (kernels.difference, ~kernels.difference):
        ppv_error = np.abs(scaled[:, ppv] - original[:, ppv])[:, kind]
        assert np.median(ppv_error) < 0.02, np.median(ppv_error)
        scale = np.abs(original[:, top][:, kind]).mean(0)
        max_error = np.abs(scaled[:, top] - original[:, top])[:, kind].mean(0) / scale
        assert np.median(max_error) < 0.05, np.median(max_error)
    # the differenced kernels' max without the rate: half (what dividing by the rate corrects)
    ratio = as_if_rate_1[:, top][:, kernels.difference] / original[:, top][:, kernels.difference]
    assert 0.3 < np.median(ratio) < 0.7


def test_a_mode_at_the_training_nyquist_frequency_keeps_what_the_training_rate_saw():
    """A mode at pi radians per training step alternates in sign at the training steps, which see only
    Re(C dB). A mode whose Re(C dB) is zero gives a zero kernel at rate 1; at rate 0.5 it gave a large
    one (ArrowHead's max features went 0.004 -> 0.79 and twice-rate agreement fell to 0.53)."""
    dt = 0.9
    A = complex(-0.5, math.pi / dt)
    dB = (np.exp(dt * A) - 1) / A
    C = np.array([[1j * dB.conjugate() / abs(dB), 0.6 + 0.2j]])  # Re(C dB) = 0, and an ordinary mode
    freq = np.array([[math.pi / dt, 0.3 / dt]])
    kernels = RandomSSMKernels(
        log_dt=np.log([dt]), freq=freq, C=C, channel_weights=np.ones((1, 1)),
        difference=np.zeros(1, bool), backward=np.zeros(1, bool), thresholds=np.zeros(1),
    )  # fmt: skip
    only_nyquist = RandomSSMKernels(**{**kernels.__dict__, "C": C * np.array([[1, 0]])})
    assert np.abs(_ssm_kernels(only_nyquist, slice(0, 1), 50).numpy()).max() < 1e-6
    assert np.abs(_ssm_kernels(only_nyquist, slice(0, 1), 100, rate=0.5).numpy()).max() < 1e-6
    # the ordinary mode is untouched: its kernel at rate 0.5 is the scaled continuous one
    ordinary = RandomSSMKernels(**{**kernels.__dict__, "C": C * np.array([[0, 1]])})
    k1 = _ssm_kernels(ordinary, slice(0, 1), 50).numpy()[0]
    k2 = _ssm_kernels(ordinary, slice(0, 1), 100, rate=0.5).numpy()[0]
    np.testing.assert_allclose(k2.sum(), k1.sum(), rtol=1e-4)
    assert np.abs(k2).max() > 0.1


def test_shift_kernels_read_their_taps_dilation_over_rate_steps_apart(gunpoint):
    """At rate 0.5 the taps go 2 d steps apart: on the recording linearly interpolated to twice the
    rate, the responses at the shared instants are the original ones exactly. At rate 2 (half the
    rate) a tap between two samples reads the recording linearly interpolated there: the response is
    the original filter's on the half-rate recording linearly interpolated back to the training rate."""
    features = RandomSSMFeatures(n_kernels=40, seed=2, shift_fraction=1.0).fit(gunpoint[:20])
    kernels = features.kernels_
    L = 150
    x = gunpoint[30][0]
    k1 = _ssm_kernels(kernels, slice(0, 40), L).numpy()
    twice = np.interp(np.arange(2 * L - 1) / 2, np.arange(L), x)
    k2 = _ssm_kernels(kernels, slice(0, 40), len(twice), rate=0.5).numpy()
    half = x[::2]
    back = np.interp(np.arange(L), np.arange(0, L, 2), half)  # half-rate recording at the training rate
    k_half = _ssm_kernels(kernels, slice(0, 40), len(half), rate=2.0).numpy()
    assert (kernels.dilation % 2 == 1).any()  # odd dilations: taps between samples at rate 2
    for k in range(40):
        np.testing.assert_allclose(_response(k2[k], twice)[::2], _response(k1[k], x), atol=1e-5)
        reach = (np.flatnonzero(k1[k]).max() + 1) // 2  # past the recording's start on both grids
        np.testing.assert_allclose(
            _response(k_half[k], half)[reach:], _response(k1[k], back)[::2][reach:], atol=1e-5
        )


def test_inside_only_pooling_follows_the_scaled_filter(gunpoint):
    """A shift kernel pooled only where it lies inside the recording starts at ceil(start / rate)."""
    start = np.array([0, 6, 10, 30])
    assert inside_start(start, 1.0) is start
    np.testing.assert_array_equal(inside_start(start, 0.5), [0, 12, 20, 60])
    np.testing.assert_array_equal(inside_start(start, 2.0), [0, 3, 5, 15])
    np.testing.assert_array_equal(inside_start(start, 1 / 3), [0, 18, 30, 90])  # 1/3 rounds, within tolerance
    np.testing.assert_array_equal(inside_start(torch.as_tensor(start), 4.0).numpy(), [0, 2, 3, 8])

    features = RandomSSMFeatures(n_kernels=40, seed=2, shift_fraction=1.0, pooling=("ppv",)).fit(
        gunpoint[:20]
    )
    kernels = features.kernels_
    inside = np.flatnonzero(kernels.start > 0)
    assert len(inside)
    z = _twice(gunpoint[40])
    y = _response(_ssm_kernels(kernels, slice(0, 40), z.shape[1], rate=0.5).numpy()[inside[0]], z[0])
    first = 2 * kernels.start[inside[0]]
    by_hand = (y[first:] > kernels.thresholds[inside[0]]).mean()
    assert features.transform([z], rate=0.5)[0, inside[0]] == pytest.approx(by_hand, abs=1e-6)


def test_rate_one_is_what_the_features_always_were(gunpoint):
    """rate=1 takes the code path the features had before rates existed: these sums were computed by
    that code (CPU) on these recordings, and its features were bit-identical to today's."""
    values = [gunpoint[0], gunpoint[1][:, :97], gunpoint[2], gunpoint[3][:, :120], gunpoint[4], gunpoint[5]]
    features = RandomSSMFeatures(
        n_kernels=60, seed=3, chunk=16, shift_fraction=0.5, pooling=("ppv", "max", "mpv", "mipv")
    )
    F = features.fit(values).transform(values)
    assert np.array_equal(F, features.transform(values, rate=1.0))
    x, lengths = _padded(values)
    assert torch.equal(features.transform_padded(x, lengths), features.transform_padded(x, lengths, rate=1))
    F = F.astype(np.float64)
    sums = F.reshape(len(F), -1, 4).sum(axis=(0, 1))
    weighted = (F * np.arange(F.shape[1])).reshape(len(F), -1, 4).sum(axis=(0, 1))
    np.testing.assert_allclose(
        sums, [194.27728291414678, 722.1041706919204, 323.06259830622, 681.4614363461733], rtol=1e-6
    )
    np.testing.assert_allclose(
        weighted, [24299.033083096147, 101086.64295379608, 46135.35254523996, 126894.6054854244], rtol=1e-6
    )
    np.testing.assert_allclose(
        F[0, :8],
        [0.39333335, 0.01599742, 0.00370734, 0.56994349, 0.46000001, 0.68324929, 0.15694273, 0.58173913],
        atol=1e-7,
    )


def test_the_classifier_module_takes_the_rate_its_task_hands_it(gunpoint):
    """The torch module (``model: random_features`` of ssm-ts classify, its checkpoints and exports)
    refused rate != 1; it now scores recordings at another rate as the features at that rate do."""
    values = [v[:, : 100 + 7 * i] for i, v in enumerate(gunpoint[:12])]  # unequal lengths: masks
    targets = np.arange(12) % 2
    options = {"n_kernels": 40, "seed": 4, "chunk": 16, "shift_fraction": 0.5}
    net = RandomFeatureClassifier(n_channels=1, n_classes=2, **options).fit(values, targets)
    twice = [_twice(v) for v in values]
    x, lengths = _padded(twice)
    mask = torch.arange(x.shape[-1])[None, :] < torch.as_tensor(lengths)[:, None]
    scores = net(x.transpose(1, 2), mask, rate=0.5).numpy()
    features = RandomSSMFeatures(**options)
    from ssm_ts.models.random_feature_classifier import fit_features_ridge

    ridge = fit_features_ridge(features, values, targets)
    expected = ridge_class_scores(ridge.decision_function(features.transform(twice, rate=0.5)))
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-4)
    for bad in (0.0, -1.0, math.inf, "2"):
        with pytest.raises(ConfigError, match="rate must be a positive number"):
            net(x.transpose(1, 2), mask, rate=bad)
