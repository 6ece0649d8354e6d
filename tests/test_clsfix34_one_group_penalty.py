"""Random features given recordings of one group: the ridge penalty is chosen by leave-one-out with a
``LeakyValidationWarning``, as the CLI's closed-form fit does; it raised a DataError, so a
``LeaveOneGroupOut`` cross-validation over two subjects failed in every fold. And with metadata
routing on, a fit given groups or weights failed in the features' own pipeline (TypeError)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.model_selection import LeaveOneGroupOut, cross_val_score

from ssm_ts import SSMClassifier
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.pipelines.sensor import sliding_windows


def _windows(n_subjects: int):
    rng = np.random.default_rng(0)
    frame = pd.concat(
        pd.DataFrame(
            {"subject": f"s{s}", "acc": rng.normal(size=96), "activity": np.repeat(["walk", "sit"], 48)}
        )
        for s in range(n_subjects)
    )
    return sliding_windows(frame, window=16, step=8, label_col="activity", group_col="subject")


def test_leave_one_group_out_over_two_subjects_fits_each_fold():
    X, y, groups, _ = _windows(2)
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        model.set_fit_request(groups=True)
        with pytest.warns(
            LeakyValidationWarning, match=r"one group \('s[01]'\).*leave-one-out.*several subjects"
        ):
            scores = cross_val_score(
                model, X, y, cv=LeaveOneGroupOut(), params={"groups": groups}, error_score="raise"
            )
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_windows_of_one_subject_warn_at_the_users_line():
    windows = _windows(1)
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0)
    with pytest.warns(
        LeakyValidationWarning, match=r"all \d+ recordings are of one group \('s0'\)"
    ) as caught:
        model.fit(windows)
    assert caught[0].filename == __file__
    assert model.ridge_[-1].n_group_folds_ == 0  # leave-one-out
    with pytest.warns(LeakyValidationWarning, match="one group"):
        assert model.fit(windows.X, windows.y, groups=windows.groups).ridge_[-1].n_group_folds_ == 0


def test_routed_groups_and_weights_reach_the_ridge():
    X, y, groups, _ = _windows(3)  # each training fold keeps two subjects: folds over them
    weights = np.linspace(1.0, 2.0, len(y))
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        model.set_fit_request(groups=True, sample_weight=True).set_score_request(sample_weight=True)
        params = {"groups": groups, "sample_weight": weights}
        scores = cross_val_score(model, X, y, cv=LeaveOneGroupOut(), params=params, error_score="raise")
        assert model.fit(X, y, sample_weight=weights, groups=groups).ridge_[-1].n_group_folds_ == 3
    assert scores.shape == (3,) and np.isfinite(scores).all()
