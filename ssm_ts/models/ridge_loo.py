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

Given ``groups`` (the subject or recording each row comes from), the penalty is chosen by K-fold
cross-validation over whole groups instead (scikit-learn's ``GroupKFold``, :data:`GROUP_FOLDS` folds,
the same squared error of the -1/+1 targets, weighted alike): overlapping windows of one recording are
near copies, so leaving one out scores it against its neighbours in the fit, and the error is lowest
for too small a penalty (on windows of ArrowHead's recordings it chose 10 where the held-out windows
of unseen recordings were best fitted with 215). Each fold is fitted on its rows in place (no copy of
the features), and the final fit, on every row, with the chosen penalty only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import _check_sample_weight, check_array, check_is_fitted

from ssm_ts.errors import DataError

# coef_for(a): the coefficients (features, targets) of penalty alphas[a], for centred rows
Coefficients = Callable[[int], np.ndarray]

GROUP_FOLDS = 5  # folds over groups that choose the penalty given groups (fewer with fewer groups)


class RidgeClassifierLOO(ClassifierMixin, BaseEstimator):
    """``RidgeClassifierCV(alphas)`` fitted in blocks of at most ``block_mb`` MiB of float64 rows.

    Attributes (after ``fit``): ``classes_``, ``coef_`` ``(features,)`` for two classes else
    ``(classes, features)``, ``intercept_`` ``(1,)`` or ``(classes,)``, ``alpha_``, ``best_score_``
    (minus the mean squared leave-one-out error of the -1/+1 targets; fitted with ``groups``, the
    error of each row when its group was held out), ``n_features_in_``, ``n_group_folds_`` (the folds
    over groups that chose ``alpha_``; 0: leave-one-out).
    """

    def __init__(self, alphas: np.ndarray | tuple[float, ...] = (0.1, 1.0, 10.0), block_mb: float = 16.0):
        self.alphas = alphas
        self.block_mb = block_mb

    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> RidgeClassifierLOO:
        """``X`` ``(n, features)`` float (read, never copied whole), ``y`` ``(n,)`` labels,
        ``sample_weight`` ``(n,)`` non-negative (``None``: all 1), as ``RidgeClassifierCV.fit``'s;
        ``groups`` ``(n,)``: each row's subject or recording, to choose the penalty by cross-validation
        over whole groups (at least two) instead of leave-one-out (``None``)."""
        X = check_array(X, dtype=[np.float64, np.float32], copy=False)
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        binarizer = LabelBinarizer(pos_label=1, neg_label=-1)
        Y = binarizer.fit_transform(y).astype(np.float64)  # (n, 1) for two classes, else (n, classes)
        if len(binarizer.classes_) < 2:
            raise DataError(
                f"the ridge classifier needs at least two classes, got {list(binarizer.classes_)}"
            )
        n_features = X.shape[1]
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        if groups is None:
            squared_errors, coef_for, offset, Y_offset = _fit_rows(X, Y, sw, alphas, self.block_mb)
            self.n_group_folds_ = 0
        else:
            squared_errors, self.n_group_folds_ = _group_fold_errors(X, Y, sw, alphas, self.block_mb, groups)
        scores = -squared_errors / Y.size
        best = int(np.argmax(scores))  # the first of equal scores, as scikit-learn keeps
        if groups is not None:  # every row, the chosen penalty only
            _, coef_for, offset, Y_offset = _fit_rows(
                X, Y, sw, alphas[best : best + 1], self.block_mb, loo=False
            )
        coef = coef_for(best if groups is None else 0)  # (features, targets)
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


def _rows_of(X: np.ndarray, rows: np.ndarray | None, b: slice) -> np.ndarray:
    """The rows ``b`` (positions in ``rows``; ``rows`` ``None``: all of ``X``'s) of ``X``."""
    return X[b] if rows is None else X[rows[b]]


def _fit_rows(
    X: np.ndarray,
    Y: np.ndarray,
    sw: np.ndarray,
    alphas: np.ndarray,
    block_mb: float,
    rows: np.ndarray | None = None,
    loo: bool = True,
) -> tuple[np.ndarray | None, Coefficients, np.ndarray, np.ndarray]:
    """The weighted ridge fits of ``X[rows]`` ``(m, features)`` on the -1/+1 targets ``Y[rows]``
    ``(m, targets)`` for every penalty in ``alphas``, each row weighted by ``sw[rows]`` (``rows``
    ``None``: every row). Returns ``(squared_errors, coef_for, offset, Y_offset)``: the weighted
    squared leave-one-out errors ``(alphas,)`` (``None`` unless ``loo``), ``coef_for(a)`` the
    coefficients ``(features, targets)`` of ``alphas[a]`` for centred rows, and the weighted means
    ``(features,)`` and ``(targets,)`` the rows and targets are centred by."""
    if rows is not None:
        Y, sw = Y[rows], sw[rows]
    n, n_features = len(Y), X.shape[1]
    blocks = _row_blocks(n, n_features, block_mb)
    offset = sum(sw[b] @ _rows_of(X, rows, b).astype(np.float64) for b in blocks) / sw.sum()
    Y_offset = sw @ Y / sw.sum()
    sqrt_sw = np.sqrt(sw)
    Y = (Y - Y_offset) * sqrt_sw[:, None]
    solve = _solve_gram if n <= n_features else _solve_covariance
    squared_errors, coef_for = solve(X, rows, offset, Y, alphas, block_mb, sqrt_sw, loo)
    return squared_errors, coef_for, offset, Y_offset


def _group_fold_errors(
    X: np.ndarray, Y: np.ndarray, sw: np.ndarray, alphas: np.ndarray, block_mb: float, groups: np.ndarray
) -> tuple[np.ndarray, int]:
    """Weighted squared errors ``(alphas,)`` of the -1/+1 targets ``Y`` ``(n, targets)`` of each row
    predicted by the fit without its group, over ``GroupKFold`` folds of ``groups`` ``(n,)``; and the
    number of folds."""
    import pandas as pd
    from sklearn.model_selection import GroupKFold

    values = np.asarray(groups, dtype=object).reshape(-1)
    try:  # sorted: the folds of GroupKFold(n_splits).split(X, y, groups) on the groups as given
        codes, names = pd.factorize(values, sort=True, use_na_sentinel=True)
    except TypeError:  # groups of mixed types (1 and "a") do not sort
        codes, names = pd.factorize(values, use_na_sentinel=True)
    if len(codes) != len(Y) or (codes < 0).any():
        raise DataError(
            f"groups must give each of the {len(Y)} rows its subject or recording (no NaN or None), got "
            f"{len(codes)} values{' with missing ones' if (codes < 0).any() else ''}."
        )
    if len(names) < 2:
        raise DataError(
            f"cannot choose the ridge penalty by cross-validation over groups: all {len(Y)} recordings are "
            f"of one group ({names[0]!r}). Give each recording its subject or recording in groups=..., or "
            "fit with groups=None (the penalty is then chosen by leave-one-out over recordings, optimistic "
            "when recordings are overlapping windows of one stream)."
        )
    n_folds = min(GROUP_FOLDS, len(names))
    squared_errors = np.zeros(len(alphas))
    for train, test in GroupKFold(n_splits=n_folds).split(np.zeros(len(Y)), groups=codes):
        if sw[train].sum() <= 0:
            raise DataError(
                f"the recordings outside groups {sorted({str(names[c]) for c in codes[test]})} all weigh 0 "
                "(sample_weight / class_weight): give them positive weights, or drop them."
            )
        _, coef_for, offset, Y_offset = _fit_rows(X, Y, sw, alphas, block_mb, train, loo=False)
        coefs = [coef_for(a) for a in range(len(alphas))]  # (features, targets) each
        for b in _row_blocks(len(test), X.shape[1], block_mb):
            centred = _rows_of(X, test, b).astype(np.float64) - offset
            for a, coef in enumerate(coefs):
                residual = Y[test[b]] - Y_offset - centred @ coef
                squared_errors[a] += np.sum(sw[test[b], None] * residual**2)
    return squared_errors, n_folds


def _solve_covariance(
    X, rows, offset, Y, alphas, block_mb, sqrt_sw, loo=True
) -> tuple[np.ndarray | None, Coefficients]:
    """More recordings than features: eigendecomposition ``V diag(s) V'`` of the centred ``X'X``
    (rows centred and scaled by ``sqrt_sw``, as ``Y`` is).
    With ``XV`` (a block of rows at a time), the hat matrix of penalty ``a`` is ``XV diag(1/(s+a)) (XV)'``:
    its diagonal and its product with the targets give every leave-one-out residual (only if ``loo``;
    else the errors are ``None``). ``rows``: the rows of ``X`` fitted (``None``: all)."""
    n, n_features = len(Y), X.shape[1]
    blocks = _row_blocks(n, n_features, block_mb)
    cov = np.zeros((n_features, n_features))
    XT_Y, XT_1 = np.zeros((n_features, Y.shape[1])), np.zeros(n_features)
    sw_sum = sqrt_sw @ sqrt_sw
    for b in blocks:
        Xb = (_rows_of(X, rows, b).astype(np.float64) - offset) * sqrt_sw[b, None]
        cov += Xb.T @ Xb
        XT_Y += Xb.T @ Y[b]
        XT_1 += Xb.T @ sqrt_sw[b]
    s, V = np.linalg.eigh(cov)
    del cov
    D = 1.0 / (s[:, None] + alphas[None, :])  # (features, alphas)
    P, p1 = V.T @ XT_Y, V.T @ XT_1
    if not loo:
        return None, lambda a: V @ (D[:, a, None] * P)
    squared_errors = np.zeros(len(alphas))
    for b in blocks:
        XV = ((_rows_of(X, rows, b).astype(np.float64) - offset) * sqrt_sw[b, None]) @ V
        leverage = (XV * XV) @ D  # (rows, alphas): diagonal of the hat matrix
        for a in range(len(alphas)):
            residual = Y[b] - XV @ (D[:, a, None] * P)
            # the intercept's share of the hat matrix (scikit-learn's fit_intercept correction)
            d = 1.0 - leverage[:, a] - (sqrt_sw[b] - XV @ (D[:, a] * p1)) * sqrt_sw[b] / sw_sum
            squared_errors[a] += np.sum((residual / d[:, None]) ** 2)
    return squared_errors, lambda a: V @ (D[:, a, None] * P)


def _solve_gram(
    X, rows, offset, Y, alphas, block_mb, sqrt_sw, loo=True
) -> tuple[np.ndarray | None, Coefficients]:
    """No more recordings than features: eigendecomposition ``Q diag(s) Q'`` of the centred Gram
    matrix ``XX'`` (rows centred and scaled by ``sqrt_sw``; made a block of columns at a time); the
    dual coefficients of penalty ``a`` are ``Q diag(1/(s+a)) Q' Y``. ``rows``: the rows of ``X``
    fitted (``None``: all); ``loo``: whether to compute the leave-one-out errors (else ``None``)."""
    n, n_features = len(Y), X.shape[1]
    columns = [slice(c.start, c.stop) for c in _row_blocks(n_features, n, block_mb)]

    def column_block(c: slice) -> np.ndarray:  # the fitted rows' columns c, centred and weighted
        block = X[:, c] if rows is None else X[rows, c]
        return (block.astype(np.float64) - offset[c]) * sqrt_sw[:, None]

    K = np.zeros((n, n))
    for c in columns:
        Xc = column_block(c)
        K += Xc @ Xc.T
    s, Q = np.linalg.eigh(K)
    del K
    D = 1.0 / (s[:, None] + alphas[None, :])  # (n, alphas)
    QT_Y, QT_1 = Q.T @ Y, Q.T @ sqrt_sw
    sw_sum = sqrt_sw @ sqrt_sw

    def coef_for(a: int) -> np.ndarray:
        dual = Q @ (D[:, a, None] * QT_Y)
        coef = np.empty((n_features, Y.shape[1]))
        for c in columns:
            coef[c] = column_block(c).T @ dual
        return coef

    if not loo:
        return None, coef_for
    # (n, alphas): diagonal of the inverse regularised Gram matrix, a block of rows of Q at a time
    diagonal = np.concatenate([(Q[b] * Q[b]) @ D for b in _row_blocks(n, n, block_mb)])
    squared_errors = np.zeros(len(alphas))
    for a in range(len(alphas)):
        dual = Q @ (D[:, a, None] * QT_Y)
        d = diagonal[:, a] - (Q @ (D[:, a] * QT_1)) * sqrt_sw / sw_sum
        squared_errors[a] = np.sum((dual / d[:, None]) ** 2)
    return squared_errors, coef_for
