"""``RandomSSMFeatures.fit(values, sample_weight)``: the training recordings shape the kernels where the
longest one sets the range of timescales and dilations and where the thresholds are quantiles of
responses to drawn recordings. A recording of weight 0 must shape nothing (scikit-learn: weight 0 is
leaving the row out), and a threshold comes from recording ``i`` with probability ``w_i / sum(w)``."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.models.random_feature_classifier import fit_features_ridge
from ssm_ts.models.random_ssm_features import RandomSSMFeatures

LENGTHS = (20, 35, 50, 28, 41, 33, 26, 38, 45, 30, 22)  # distinct: a length names its recording


@pytest.fixture(scope="module")
def recordings():
    rng = np.random.default_rng(0)
    return [rng.normal(size=(2, n)).cumsum(axis=1) for n in LENGTHS]


def features(**options) -> RandomSSMFeatures:
    return RandomSSMFeatures(**{"n_kernels": 60, "n_modes": 3, "chunk": 16, "seed": 4, **options})


def assert_same_kernels(a: RandomSSMFeatures, b: RandomSSMFeatures) -> None:
    for field in dataclasses.fields(a.kernels_):
        assert np.array_equal(getattr(a.kernels_, field.name), getattr(b.kernels_, field.name)), field.name


@pytest.mark.parametrize("shift_fraction", [0.0, 0.5])
@pytest.mark.parametrize("kept_weights", ["equal", "unequal"])
def test_weight_zero_recordings_shape_no_kernel(recordings, shift_fraction, kept_weights):
    """Weight 0 on the longest recording (it sets the timescales and dilations) and on two others fits
    exactly the kernels of the rest: equal weights on the rest as unweighted, unequal as weighted."""
    zero = [2, 5, 8]  # lengths 50 (the longest), 33, 45
    rest = [i for i in range(len(recordings)) if i not in zero]
    weights = np.full(len(recordings), 2.5)
    if kept_weights == "unequal":
        weights = np.linspace(0.5, 3.0, len(recordings))
    weights[zero] = 0.0
    fitted = features(shift_fraction=shift_fraction).fit(recordings, sample_weight=weights)
    alone = features(shift_fraction=shift_fraction).fit(
        [recordings[i] for i in rest], sample_weight=None if kept_weights == "equal" else weights[rest]
    )
    assert_same_kernels(fitted, alone)
    assert np.array_equal(fitted.transform(recordings), alone.transform(recordings))


def test_equal_weights_draw_as_no_weights(recordings):
    assert_same_kernels(
        features().fit(recordings, sample_weight=np.full(len(recordings), 3.0)), features().fit(recordings)
    )


def test_thresholds_come_from_recordings_in_proportion_to_their_weights(recordings, monkeypatch):
    """Each kernel's threshold source, read from the lengths of the recordings it was convolved with:
    shares close to ``w / sum(w)``, never a recording of weight 0 (unweighted: one in 11 each)."""
    sources: list[int] = []
    set_thresholds = RandomSSMFeatures._set_thresholds

    def spy(self, x, lengths, index, source, quantiles):
        sources.extend(int(lengths[j]) for j in source)
        set_thresholds(self, x, lengths, index, source, quantiles)

    monkeypatch.setattr(RandomSSMFeatures, "_set_thresholds", spy)
    weights = np.array([6.0, 1, 0, 1, 2, 0, 1, 1, 1, 0, 1])  # the longest recording (50 steps) weighs 0
    features(n_kernels=2000, chunk=8).fit(recordings, sample_weight=weights)
    share = {n: sources.count(n) / len(sources) for n in set(sources)}
    assert set(share) == {n for n, w in zip(LENGTHS, weights, strict=True) if w > 0}
    for n, w in zip(LENGTHS, weights, strict=True):
        if w > 0:
            assert abs(share[n] - w / weights.sum()) < 0.04, (n, share[n], w / weights.sum())


@pytest.mark.parametrize(
    ("sample_weight", "match"),
    [
        (np.ones(3), r"sample_weight: .*\(3,\), expected \(11,\)"),
        (-np.ones(11), "sample_weight: Negative values"),
        (np.zeros(11), "sample_weight: .*non-zero"),
    ],
    ids=["length", "negative", "all-zero"],
)
def test_bad_weights_name_the_problem(recordings, sample_weight, match):
    with pytest.raises(DataError, match=match):
        features().fit(recordings, sample_weight=sample_weight)


def test_fit_features_ridge_leaves_weight_zero_recordings_out(recordings):
    """The whole closed-form fit (kernels, feature scaling, ridge and its penalty) of recordings with
    weight 0 on some is the fit without them, with or without unequal weights on the rest."""
    targets = np.arange(len(recordings)) % 2
    zero, rest = [2, 7], [i for i in range(len(recordings)) if i not in (2, 7)]
    for weights in (np.ones(len(recordings)), np.linspace(1.0, 2.0, len(recordings))):
        weights[zero] = 0.0
        unweighted = np.all(weights[rest] == 1.0)
        fitted = fit_features_ridge(features(), recordings, targets, weights)
        alone = fit_features_ridge(
            features(),
            [recordings[i] for i in rest],
            targets[rest],
            None if unweighted else weights[rest],
        )
        probe = features().fit(recordings).transform(recordings)  # any features of the right width
        assert np.array_equal(fitted.decision_function(probe.copy()), alone.decision_function(probe.copy()))
        assert fitted[-1].alpha_ == alone[-1].alpha_


def test_a_class_left_with_weight_zero_is_refused(recordings):
    targets = np.array([0, 1] + [0] * (len(recordings) - 2))
    weights = np.ones(len(recordings))
    weights[1] = 0.0
    with pytest.raises(DataError, match=r"class indices \[1\] weigh 0 in total"):
        fit_features_ridge(features(), recordings, targets, weights)
