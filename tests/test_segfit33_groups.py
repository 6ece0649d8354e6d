"""``SSMClassifier.fit(X, y, groups=...)``: the validation split that picks the best epoch holds out
whole groups (subjects), so overlapping windows of one subject are never on both sides of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ssm_ts.pipelines.sensor.datamodule as datamodule
from ssm_ts import SSMClassifier
from ssm_ts.api.classifier_streams import LeakyValidationWarning
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set, sliding_windows
from ssm_ts.pipelines.sensor.group_split import group_split

TINY = dict(d_model=4, n_layers=1, d_state=4, max_epochs=1, batch_size=8, val_fraction=0.25)


def _stream(n_subjects: int = 6, length: int = 96) -> pd.DataFrame:
    """A log of ``n_subjects`` subjects, two activities each (the first and second half)."""
    rng = np.random.default_rng(0)
    rows = []
    for s in range(n_subjects):
        labels = np.where(np.arange(length) < length // 2, "walk", "sit")
        rows.append(pd.DataFrame({"subject": f"s{s}", "acc": rng.normal(size=length), "activity": labels}))
    return pd.concat(rows, ignore_index=True)


def _recorded_split(monkeypatch) -> list:
    """The ``(train, validation)`` of the fit's group split, recorded."""
    seen: list = []

    def recording(data, val_fraction, seed, groups):
        seen.append((groups, group_split(data, val_fraction, seed, groups)))
        return seen[-1][1]

    monkeypatch.setattr(datamodule, "group_split", recording)
    return seen


def test_fit_with_groups_holds_out_whole_groups(monkeypatch):
    X, y, groups, _ = sliding_windows(_stream(), window=16, step=8, label_col="activity", group_col="subject")
    seen = _recorded_split(monkeypatch)
    SSMClassifier(**TINY).fit(X, y, groups=groups)
    ((codes, (train, val)),) = seen
    # ids are the recordings' positions in X: their groups on each side do not meet
    position = {rid: i for i, rid in enumerate(make_series_set(list(X), y).ids)}
    train_groups = {groups[position[i]] for i in train.ids}
    val_groups = {groups[position[i]] for i in val.ids}
    assert val_groups and train_groups and not train_groups & val_groups
    assert len(train) + len(val) == len(X)
    assert set(train.labels) == {"walk", "sit"}


def test_stream_windows_bring_their_labels_and_groups(monkeypatch):
    w = sliding_windows(_stream(), window=16, step=8, label_col="activity", group_col="subject")
    seen = _recorded_split(monkeypatch)
    model = SSMClassifier(**TINY).fit(w)
    assert len(seen) == 1  # split by the windows' subjects
    assert model.predict(w).shape == (len(w),)
    assert model.score(w) == model.score(w.X, w.y)


def test_windows_of_one_recording_warn_that_validation_leaks():
    w = sliding_windows(_stream(1, 200), window=16, step=8, label_col="activity", channels=["acc"])
    with pytest.warns(LeakyValidationWarning, match="group_col='<subject column>'") as caught:
        SSMClassifier(**TINY).fit(w)
    assert caught[0].filename == __file__  # at the user's line
    with pytest.warns(LeakyValidationWarning, match="one group"):  # no split; the penalty by leave-one-out
        SSMClassifier(method="random_features", n_kernels=20, val_fraction=0.25).fit(w)


def test_bad_groups_are_named():
    X, y, groups, _ = sliding_windows(_stream(), window=16, step=8, label_col="activity", group_col="subject")
    model = SSMClassifier(method="random_features", n_kernels=20)
    with pytest.raises(DataError, match=r"groups has shape \(3,\) but X has \d+ recordings"):
        model.fit(X, y, groups=groups[:3])
    with pytest.raises(DataError, match=r"groups: recordings \[0\] have no group"):
        model.fit(X, y, groups=np.r_[None, groups[1:]])
    with pytest.raises(DataError, match="every recording is of one group"):
        SSMClassifier(**TINY).fit(X, y, groups=np.zeros(len(X)))


def test_group_split_keeps_every_class_in_training():
    # class "b" only in group 0: whichever fold is taken, group 0 trains
    values = [np.zeros((1, 8), np.float32)] * 8
    labels = np.array(["b", "a", "a", "a", "a", "a", "a", "a"])
    data = make_series_set(values, labels)
    for seed in range(5):
        train, val = group_split(data, 0.5, seed, np.array([0, 0, 1, 1, 2, 2, 3, 3]))
        assert "b" in set(train.labels)
    with pytest.raises(DataError, match="no split of its 2 groups keeps every class"):
        group_split(data, 0.5, 0, np.array([0, 1, 1, 1, 1, 1, 1, 1]))  # "b" alone can hold it out
