"""``SSMClassifier(class_weight=...)`` and ``fit(X, y, sample_weight=...)`` on imbalanced real data.

Random features (deterministic, seconds): ``"balanced"`` raises the minority class's recall and the
balanced accuracy on an imbalanced ItalyPowerDemand sample; the ridge is weighted as scikit-learn's
``RidgeClassifierCV`` (the leave-one-out choice of its penalty too); weights are relative (2 on every
recording fits what none fits) and ``"balanced"`` on balanced data changes nothing. Bad weights get
errors naming the problem. The encoder's side: tests/tasks/test_classification_weights.py."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV
from sklearn.metrics import balanced_accuracy_score, recall_score

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.models.random_feature_classifier import RIDGE_ALPHAS
from ssm_ts.models.ridge_loo import RidgeClassifierLOO
from ssm_ts.pipelines.sensor import read_ts


@pytest.fixture(scope="module")
def italy_imbalanced(shared_data):
    """ItalyPowerDemand: 300 recordings of class "1" and 10 of class "2" drawn from its TEST file
    (the larger one) to train on; the other TEST recordings and TRAIN (786) to score."""
    folder = shared_data / "classification" / "ItalyPowerDemand"
    train, test = read_ts(folder / "ItalyPowerDemand_TRAIN.ts"), read_ts(folder / "ItalyPowerDemand_TEST.ts")
    rng = np.random.default_rng(0)
    rare = rng.permutation(np.flatnonzero(test.labels == "2"))[:10]
    common = rng.permutation(np.flatnonzero(test.labels == "1"))[:300]
    chosen = np.sort(np.concatenate([rare, common]))
    rest = np.setdiff1d(np.arange(len(test)), chosen)
    fit_on = test.subset(chosen)
    X_score = [*train.values, *(test.values[i] for i in rest)]
    y_score = np.concatenate([train.labels, test.labels[rest]])
    return fit_on.values, fit_on.labels, X_score, y_score


def fit_predict(X, y, X_score, **options) -> np.ndarray:
    return (
        SSMClassifier(method="random_features", n_kernels=100, random_state=0, **options)
        .fit(X, y)
        .predict(X_score)
    )


def test_balanced_raises_minority_recall_and_balanced_accuracy(italy_imbalanced, single_thread):
    X, y, X_score, y_score = italy_imbalanced
    plain = fit_predict(X, y, X_score)
    balanced = fit_predict(X, y, X_score, class_weight="balanced")
    recall = {
        name: recall_score(y_score, p, pos_label="2") for name, p in (("none", plain), ("bal", balanced))
    }
    accuracy = {
        "none": balanced_accuracy_score(y_score, plain),
        "bal": balanced_accuracy_score(y_score, balanced),
    }
    # measured: minority recall 0.514 -> 0.711, balanced accuracy 0.757 -> 0.851 (0.701, 0.845 before
    # the thresholds were drawn in proportion to the weights)
    assert recall["bal"] >= recall["none"] + 0.1, recall
    assert accuracy["bal"] >= accuracy["none"] + 0.05, accuracy
    # the same weights given per recording fit the same model
    counts = {label: (y == label).sum() for label in ("1", "2")}
    per_recording = np.array([len(y) / (2 * counts[label]) for label in y])
    model = SSMClassifier(method="random_features", n_kernels=100, random_state=0)
    assert np.array_equal(model.fit(X, y, sample_weight=per_recording).predict(X_score), balanced)


def test_weights_are_relative_and_balanced_on_balanced_data_changes_nothing(gunpoint_ucr, single_thread):
    train, test = gunpoint_ucr
    keep = np.concatenate([np.flatnonzero(train.labels == c)[:24] for c in ("1", "2")])
    X, y = [train.values[i] for i in keep], train.labels[keep]  # 24 of each class
    model = SSMClassifier(method="random_features", n_kernels=200, random_state=0)
    reference = model.fit(X, y).predict_proba(test.values)
    twice = model.fit(X, y, sample_weight=np.full(len(y), 2.0)).predict_proba(test.values)
    assert np.array_equal(twice, reference)  # equal weights fit exactly the unweighted model
    balanced = model.set_params(class_weight="balanced").fit(X, y).predict_proba(test.values)
    assert np.array_equal(balanced, reference)
    # a weight that matters changes the fit: 5 x the weight of class "2"
    heavy = model.set_params(class_weight={"2": 5.0}).fit(X, y).predict_proba(test.values)
    assert np.abs(heavy - reference).max() > 1e-3
    assert heavy[:, 1].mean() > reference[:, 1].mean()


@pytest.fixture(scope="module")
def japanese_vowels(shared_data):
    """JapaneseVowels TRAIN (270 recordings, 12 channels, 7 to 26 steps, 9 classes) and TEST."""
    folder = shared_data / "classification" / "JapaneseVowels"
    return read_ts(folder / "JapaneseVowels_TRAIN.ts"), read_ts(folder / "JapaneseVowels_TEST.ts")


@pytest.mark.parametrize("class_weight", [None, "balanced"])
def test_weight_zero_is_leaving_the_recording_out(japanese_vowels, single_thread, class_weight):
    """scikit-learn's meaning of weight 0: the fit is the fit without those recordings, exactly. They
    shaped it before: the channel scaling, the range of kernel timescales (the longest recordings
    weigh 0 here) and the recordings drawn to set the kernels' thresholds."""
    train, test = japanese_vowels
    lengths = np.array([v.shape[1] for v in train.values])
    zero = np.union1d(
        np.argsort(lengths)[-5:], np.random.default_rng(0).choice(len(train), 40, replace=False)
    )
    rest = np.setdiff1d(np.arange(len(train)), zero)
    weights = np.ones(len(train))
    weights[zero] = 0.0
    model = SSMClassifier(method="random_features", n_kernels=200, random_state=0, class_weight=class_weight)
    weighted = model.fit(train.values, train.labels, sample_weight=weights)
    thresholds, proba = weighted.features_.kernels_.thresholds, weighted.predict_proba(test.values)
    left_out = model.fit([train.values[i] for i in rest], train.labels[rest])
    assert np.array_equal(thresholds, left_out.features_.kernels_.thresholds)
    assert np.array_equal(proba, left_out.predict_proba(test.values))


@pytest.mark.parametrize(
    ("n", "n_features", "n_classes"), [(40, 100, 2), (40, 100, 3), (200, 30, 2), (200, 30, 4)]
)
def test_weighted_ridge_and_its_penalty_choice_match_ridge_classifier_cv(n, n_features, n_classes):
    """Both solvers (recordings <= features: Gram; else covariance), zero weights included."""
    rng = np.random.default_rng(n + n_classes)
    X = rng.normal(size=(n, n_features))
    y = rng.integers(0, n_classes, n)
    X[:, 0] += y  # some signal, so that the penalty's choice depends on the weights
    sample_weight = rng.uniform(0, 3, n)
    sample_weight[:3] = 0.0
    expected = RidgeClassifierCV(alphas=RIDGE_ALPHAS).fit(X, y, sample_weight=sample_weight)
    got = RidgeClassifierLOO(alphas=RIDGE_ALPHAS, block_mb=0.01).fit(X, y, sample_weight=sample_weight)
    assert got.alpha_ == expected.alpha_
    np.testing.assert_allclose(got.best_score_, expected.best_score_, rtol=1e-10)
    np.testing.assert_allclose(got.coef_, expected.coef_, atol=1e-12)
    np.testing.assert_allclose(got.intercept_, expected.intercept_, atol=1e-12)


TWO_CLASSES = (np.random.default_rng(0).normal(size=(8, 2, 30)), np.array(["walk"] * 6 + ["fall"] * 2))


@pytest.mark.parametrize(
    ("options", "sample_weight", "error", "match"),
    [
        ({}, np.ones(5), DataError, r"sample_weight: sample_weight.shape == \(5,\), expected \(8,\)"),
        (
            {},
            [1, 1, 1, -1, 1, 1, 1, 1],
            DataError,
            r"sample_weight: Negative values .* one finite weight >= 0",
        ),
        ({}, [1, 1, np.nan, 1, 1, 1, 1, 1], DataError, "sample_weight: Input sample_weight contains NaN"),
        ({}, np.zeros(8), DataError, "at least one non-zero"),
        (
            {},
            [1, 1, 1, 1, 1, 1, 0, 0],
            DataError,
            r"the class\(es\) \['fall'\] weigh 0 in total \(sample_weight\)",
        ),
        ({"class_weight": {"fal": 10}}, None, DataError, r"names the class\(es\) \['fal'\] that are not in"),
        ({"class_weight": {"fall": 0}}, None, DataError, r"\['fall'\] weigh 0 in total \(class_weight\)"),
        (
            {"class_weight": {"fall": -2}},
            None,
            ConfigError,
            r"class_weight\['fall'\] must be a finite number >= 0",
        ),
        ({"class_weight": "balance"}, None, ConfigError, "class_weight must be None, 'balanced' or a"),
    ],
    ids=[
        "length",
        "negative",
        "nan",
        "all-zero",
        "class-zero",
        "unknown-label",
        "class-weight-zero",
        "class-weight-negative",
        "class-weight-typo",
    ],  # fmt: skip
)
@pytest.mark.parametrize("method", ["random_features", "encoder"])
def test_bad_weights_are_refused_naming_the_problem_before_training(
    method, options, sample_weight, error, match
):
    X, y = TWO_CLASSES
    model = SSMClassifier(
        method=method, n_kernels=8, d_model=4, n_layers=1, d_state=4, max_epochs=1, **options
    )
    with pytest.raises(error, match=match):
        model.fit(X, y, sample_weight=sample_weight)
    assert not hasattr(model, "classes_")  # nothing fitted
