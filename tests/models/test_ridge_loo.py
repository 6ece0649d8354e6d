"""RidgeClassifierLOO is scikit-learn's RidgeClassifierCV (same penalty chosen, same coefficients and
scores to float64 rounding) in both of its regimes (fewer recordings than features: Gram matrix;
more: covariance), in blocks of rows or columns, and its memory never holds the whole feature matrix
in float64 (tracemalloc counts every NumPy allocation)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ssm_ts.errors import DataError
from ssm_ts.models.random_feature_classifier import RIDGE_ALPHAS, fit_features_ridge
from ssm_ts.models.random_ssm_features import RandomSSMFeatures
from ssm_ts.models.ridge_loo import RidgeClassifierLOO


def _features(n: int, n_features: int, n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised float32 features with correlated columns (as random-kernel features are) and labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    X = rng.standard_normal((n, 15)) @ rng.standard_normal((15, n_features)) + rng.standard_normal(
        (n, n_features)
    )
    X += 0.2 * y[:, None] * rng.standard_normal(n_features)
    return StandardScaler().fit_transform(X.astype(np.float32)), np.array(["a", "b", "c", "d"])[y]


@pytest.mark.parametrize(
    "n, n_features, n_classes",
    [(120, 400, 2), (120, 400, 3), (700, 90, 2), (700, 90, 4)],
    ids=["gram, two classes", "gram, three classes", "covariance, two classes", "covariance, four classes"],
)
def test_same_fit_as_sklearn_ridge_classifier_cv(n, n_features, n_classes):
    X, y = _features(n, n_features, n_classes)
    expected = RidgeClassifierCV(alphas=RIDGE_ALPHAS).fit(X, y)
    got = RidgeClassifierLOO(alphas=RIDGE_ALPHAS, block_mb=0.05).fit(X, y)  # several blocks
    assert got.alpha_ == expected.alpha_
    assert got.best_score_ == pytest.approx(expected.best_score_, rel=1e-9)
    assert got.coef_.shape == expected.coef_.shape and got.coef_.dtype == expected.coef_.dtype == np.float32
    np.testing.assert_allclose(got.coef_, expected.coef_, rtol=1e-6, atol=1e-6 * np.abs(expected.coef_).max())
    np.testing.assert_allclose(got.intercept_, expected.intercept_, rtol=1e-6, atol=1e-7)
    scores, expected_scores = got.decision_function(X), expected.decision_function(X)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6, atol=1e-6 * np.abs(expected_scores).max())
    assert np.array_equal(got.predict(X), expected.predict(X)) and np.array_equal(
        got.classes_, expected.classes_
    )


def _peak_bytes(fit) -> int:
    tracemalloc.start()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("n, n_features", [(6000, 150), (150, 6000)], ids=["covariance", "gram"])
def test_memory_stays_far_below_a_float64_copy_of_the_features(n, n_features):
    X, y = _features(n, n_features, 3)
    block_mb = 0.25
    small = min(n, n_features)  # the side of the eigendecomposed matrix
    bound = 5 * small * small * 8 + 6 * block_mb * 2**20 + 2**20
    assert bound < X.size * 8 / 2  # half a float64 copy of the features is already too much
    assert _peak_bytes(lambda: RidgeClassifierLOO(alphas=RIDGE_ALPHAS, block_mb=block_mb).fit(X, y)) <= bound


def test_pipeline_scores_match_the_sklearn_pipeline():
    rng = np.random.default_rng(1)
    values = [rng.standard_normal((2, int(m))).cumsum(axis=1) for m in rng.integers(30, 80, 60)]
    targets = np.arange(60) % 3
    features = RandomSSMFeatures(n_kernels=40, seed=0)
    ridge = fit_features_ridge(features, values, targets)
    reference = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=RIDGE_ALPHAS))
    reference.fit(features.transform(values), targets)
    scores, expected = (
        ridge.decision_function(features.transform(values)),
        reference.decision_function(features.transform(values)),
    )
    np.testing.assert_allclose(scores, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())
    assert ridge[-1].alpha_ == reference[-1].alpha_


def test_clear_errors():
    X, y = _features(30, 10, 2)
    with pytest.raises(DataError, match="at least two classes"):
        RidgeClassifierLOO().fit(X, np.zeros(30))
    fitted = RidgeClassifierLOO().fit(X, y)
    with pytest.raises(DataError, match="X has 9 features but the ridge was fitted on 10"):
        fitted.decision_function(X[:, :9])
