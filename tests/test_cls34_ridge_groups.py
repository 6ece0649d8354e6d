"""The random-features ridge penalty chosen over whole groups: given ``groups`` (subjects, or the
recording windows were cut from), by ``GroupKFold`` cross-validation instead of leave-one-out, which
scores a window against its overlapping neighbours in the fit. ``groups`` were checked, then ignored
by ``method="random_features"``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge, RidgeClassifier
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import LabelBinarizer

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.models.ridge_loo import RidgeClassifierLOO
from ssm_ts.pipelines.sensor import sliding_windows

ALPHAS = np.logspace(-3, 3, 7)


@pytest.mark.parametrize("n, n_features", [(40, 60), (90, 12)])  # Gram and covariance solvers
def test_group_folds_choose_the_penalty_as_explicit_folds_do(n, n_features):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, n_features)).astype(np.float32)
    y = rng.integers(0, 3, n)
    X[:, 0] += y  # some signal: a middle penalty can win
    groups, weights = rng.integers(0, 6, n) * 10, rng.uniform(0.5, 2.0, n)
    model = RidgeClassifierLOO(ALPHAS, block_mb=0.002).fit(X, y, weights, groups=groups)
    Y = LabelBinarizer(neg_label=-1).fit_transform(y).astype(np.float64)
    errors = np.zeros(len(ALPHAS))
    for train, test in GroupKFold(5).split(X, groups=groups):
        for a, alpha in enumerate(ALPHAS):
            fold = Ridge(alpha=alpha).fit(X[train].astype(np.float64), Y[train], sample_weight=weights[train])
            errors[a] += np.sum(
                weights[test, None] * (Y[test] - fold.predict(X[test].astype(np.float64))) ** 2
            )
    best = int(np.argmin(errors))
    assert model.alpha_ == ALPHAS[best] and model.n_group_folds_ == 5
    assert model.best_score_ == pytest.approx(-errors[best] / Y.size, rel=1e-9)
    whole = RidgeClassifier(alpha=ALPHAS[best]).fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, whole.coef_.astype(np.float32), rtol=1e-4, atol=1e-5)


def test_near_copies_do_not_choose_the_smallest_penalty():
    # 10 recordings of random class, each cut into 6 near-identical windows: leave-one-out finds every
    # window's copies in the fit and wants no penalty; held-out recordings show nothing generalises
    rng = np.random.default_rng(0)
    recordings, labels = rng.normal(size=(10, 30)), rng.integers(0, 2, 10)
    X = np.repeat(recordings, 6, axis=0) + 1e-3 * rng.normal(size=(60, 30))
    y, groups = np.repeat(labels, 6), np.repeat(np.arange(10), 6)
    assert RidgeClassifierLOO(ALPHAS).fit(X, y).alpha_ == ALPHAS[0]
    assert RidgeClassifierLOO(ALPHAS).fit(X, y, groups=groups).alpha_ == ALPHAS[-1]


def _windows(gunpoint_ucr):
    """GunPoint's first 12 recordings as one stream, each its own group, cut into overlapping windows."""
    train, _ = gunpoint_ucr
    frame = pd.concat(
        pd.DataFrame({"x": train.values[i][0], "label": train.labels[i], "recording": i}) for i in range(12)
    )
    return sliding_windows(frame, window=50, step=25, label_col="label", group_col="recording")


def test_random_features_use_the_groups_given(gunpoint_ucr):
    windows = _windows(gunpoint_ucr)
    model = SSMClassifier(method="random_features", n_kernels=20)
    assert model.fit(windows.X, windows.y).ridge_[-1].n_group_folds_ == 0  # no groups: leave-one-out
    assert model.fit(windows).ridge_[-1].n_group_folds_ == 5  # the windows' own groups
    with pytest.warns(LeakyValidationWarning, match=r"all \d+ recordings are of one group"):  # leave-one-out
        assert model.fit(windows.X, windows.y, groups=np.zeros(len(windows))).ridge_[-1].n_group_folds_ == 0
    with pytest.raises(DataError, match=r"all 6 recordings are of one group.*groups=None"):  # the ridge alone
        RidgeClassifierLOO(ALPHAS).fit(np.eye(6), [0, 1] * 3, groups=np.zeros(6))
