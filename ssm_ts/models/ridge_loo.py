"""Ridge classifier whose penalty is chosen by leave-one-out error, in memory that does not grow as
recordings x features in float64.

The model and the choice are scikit-learn's ``RidgeClassifierCV`` with its defaults (targets -1/+1
per class, an unpenalised intercept, the penalty with the smallest mean squared leave-one-out error
over ``alphas``, in closed form from one eigendecomposition; coefficients in the input's float
dtype). scikit-learn first copies the ``(n, features)`` matrix to float64 and centres it, then, per
penalty, makes one or two more matrices of that size; at 5,000 recordings x 2,000 features that is
about 330 MiB for 38 MiB of float32 features. Here the centred float64 rows are made one block at a
time: with fewer recordings than features from the Gram matrix ``(n, n)`` of the recordings, else
from the covariance ``(features, features)``, whose eigenvectors give every penalty's leave-one-out
error in one pass over the rows (also several times faster than one pass per penalty). Results agree
with ``RidgeClassifierCV`` to float64 rounding (tested), with ``sample_weight`` too: as scikit-learn
does, rows are centred by their weighted means and scaled by the square roots of their weights, so
the leave-one-out errors that choose the penalty are weighted as the fit is.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted

from ssm_ts.errors import DataError


class RidgeClassifierLOO(ClassifierMixin, BaseEstimator):
    """``RidgeClassifierCV(alphas)`` fitted in blocks of at most ``block_mb`` MiB of float64 rows.

    Attributes (after ``fit``): ``classes_``, ``coef_`` ``(features,)`` for two classes else
    ``(classes, features)``, ``intercept_`` ``(1,)`` or ``(classes,)``, ``alpha_``, ``best_score_``
    (minus the mean squared leave-one-out error of the -1/+1 targets), ``n_features_in_``.
    """

    def __init__(self, alphas: np.ndarray | tuple[float, ...] = (0.1, 1.0, 10.0), block_mb: float = 16.0):
        self.alphas = alphas
        self.block_mb = block_mb

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> RidgeClassifierLOO:
        """``X`` ``(n, features)`` float (read, never copied whole), ``y`` ``(n,)`` labels,
        ``sample_weight`` ``(n,)`` non-negative (``None``: all 1), as ``RidgeClassifierCV.fit``'s."""
        X = check_array(X, dtype=[np.float64, np.float32], copy=False)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        binarizer = LabelBinarizer(pos_label=1, neg_label=-1)
        Y = binarizer.fit_transform(y).astype(np.float64)  # (n, 1) for two classes, else (n, classes)
        if len(binarizer.classes_) < 2:
            raise DataError(
                f"the ridge classifier needs at least two classes, got {list(binarizer.classes_)}"
            )
        n, n_features = X.shape
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        rows = _row_blocks(n, n_features, self.block_mb)
        offset = sum(sw[b] @ X[b].astype(np.float64) for b in rows) / sw.sum()
        Y_offset = sw @ Y / sw.sum()
        sqrt_sw = np.sqrt(sw)
        Y = (Y - Y_offset) * sqrt_sw[:, None]
        solve = _solve_gram if n <= n_features else _solve_covariance
        squared_errors, coef_for = solve(X, offset, Y, alphas, self.block_mb, sqrt_sw)
        scores = -squared_errors / Y.size
        best = int(np.argmax(scores))  # the first of equal scores, as scikit-learn keeps
        coef = coef_for(best)  # (features, targets)
        intercept = Y_offset - offset @ coef
        self.classes_, self.n_features_in_ = binarizer.classes_, n_features
        self.alpha_, self.best_score_ = float(alphas[best]), float(scores[best])
        self.coef_ = (coef[:, 0] if coef.shape[1] == 1 else coef.T).astype(X.dtype)
        self.intercept_ = intercept.astype(X.dtype)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Scores ``(n,)`` (positive for ``classes_[1]``) for two classes, else ``(n, classes)``."""
        check_is_fitted(self, "coef_")
        X = check_array(X, dtype=[np.float64, np.float32])
        if X.shape[1] != self.n_features_in_:
            raise DataError(f"X has {X.shape[1]} features but the ridge was fitted on {self.n_features_in_}.")
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.ndim > 1 and scores.shape[1] == 1 else scores

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores = self.decision_function(X)
        best = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[best]


def _row_blocks(n: int, width: int, block_mb: float) -> list[slice]:
    rows = max(1, int(block_mb * 2**20 // (8 * max(width, 1))))
    return [slice(start, min(n, start + rows)) for start in range(0, n, rows)]


def _solve_covariance(X, offset, Y, alphas, block_mb, sqrt_sw):
    """More recordings than features: eigendecomposition ``V diag(s) V'`` of the centred ``X'X``
    (rows centred and scaled by ``sqrt_sw``, as ``Y`` is).
    With ``XV`` (a block of rows at a time), the hat matrix of penalty ``a`` is ``XV diag(1/(s+a)) (XV)'``:
    its diagonal and its product with the targets give every leave-one-out residual."""
    n, n_features = X.shape
    rows = _row_blocks(n, n_features, block_mb)
    cov = np.zeros((n_features, n_features))
    XT_Y, XT_1 = np.zeros((n_features, Y.shape[1])), np.zeros(n_features)
    sw_sum = sqrt_sw @ sqrt_sw
    for b in rows:
        Xb = (X[b].astype(np.float64) - offset) * sqrt_sw[b, None]
        cov += Xb.T @ Xb
        XT_Y += Xb.T @ Y[b]
        XT_1 += Xb.T @ sqrt_sw[b]
    s, V = np.linalg.eigh(cov)
    del cov
    D = 1.0 / (s[:, None] + alphas[None, :])  # (features, alphas)
    P, p1 = V.T @ XT_Y, V.T @ XT_1
    squared_errors = np.zeros(len(alphas))
    for b in rows:
        XV = ((X[b].astype(np.float64) - offset) * sqrt_sw[b, None]) @ V
        leverage = (XV * XV) @ D  # (rows, alphas): diagonal of the hat matrix
        for a in range(len(alphas)):
            residual = Y[b] - XV @ (D[:, a, None] * P)
            # the intercept's share of the hat matrix (scikit-learn's fit_intercept correction)
            d = 1.0 - leverage[:, a] - (sqrt_sw[b] - XV @ (D[:, a] * p1)) * sqrt_sw[b] / sw_sum
            squared_errors[a] += np.sum((residual / d[:, None]) ** 2)
    return squared_errors, lambda a: V @ (D[:, a, None] * P)


def _solve_gram(X, offset, Y, alphas, block_mb, sqrt_sw):
    """No more recordings than features: eigendecomposition ``Q diag(s) Q'`` of the centred Gram
    matrix ``XX'`` (rows centred and scaled by ``sqrt_sw``; made a block of columns at a time); the
    dual coefficients of penalty ``a`` are ``Q diag(1/(s+a)) Q' Y``."""
    n, n_features = X.shape
    columns = [slice(c.start, c.stop) for c in _row_blocks(n_features, n, block_mb)]
    K = np.zeros((n, n))
    for c in columns:
        Xc = (X[:, c].astype(np.float64) - offset[c]) * sqrt_sw[:, None]
        K += Xc @ Xc.T
    s, Q = np.linalg.eigh(K)
    del K
    D = 1.0 / (s[:, None] + alphas[None, :])  # (n, alphas)
    QT_Y, QT_1 = Q.T @ Y, Q.T @ sqrt_sw
    sw_sum = sqrt_sw @ sqrt_sw
    # (n, alphas): diagonal of the inverse regularised Gram matrix, a block of rows of Q at a time
    diagonal = np.concatenate([(Q[b] * Q[b]) @ D for b in _row_blocks(n, n, block_mb)])
    squared_errors = np.zeros(len(alphas))
    for a in range(len(alphas)):
        dual = Q @ (D[:, a, None] * QT_Y)
        d = diagonal[:, a] - (Q @ (D[:, a] * QT_1)) * sqrt_sw / sw_sum
        squared_errors[a] = np.sum((dual / d[:, None]) ** 2)

    def coef_for(a: int) -> np.ndarray:
        dual = Q @ (D[:, a, None] * QT_Y)
        coef = np.empty((n_features, Y.shape[1]))
        for c in columns:
            coef[c] = ((X[:, c].astype(np.float64) - offset[c]) * sqrt_sw[:, None]).T @ dual
        return coef

    return squared_errors, coef_for
