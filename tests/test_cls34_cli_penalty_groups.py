"""``ssm-ts classify fit --model.model random_features --data.group_col subject``: the closed-form fit
chooses its ridge penalty over the training split's whole subjects, as ``SSMClassifier.fit(windows)``
does (it chose it by leave-one-out over overlapping windows, ignoring the subjects)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.models.ridge_loo import RidgeClassifierLOO
from ssm_ts.pipelines.sensor import SensorDataModule

FIT = [
    "classify", "fit", "--model.model", "random_features", "--model.model_options", "{n_kernels: 20, seed: 0}",
    "--trainer.max_epochs", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    "--data.window", "16", "--data.step", "8", "--data.label_col", "activity", "--data.group_col", "subject",
    "--out", "out", "--data.path", "log.csv",
]  # fmt: skip


def _stream(n_subjects: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.concat(
        pd.DataFrame(
            {"subject": f"s{s}", "acc": rng.normal(size=64), "activity": np.repeat(["walk", "sit"], 32)}
        )
        for s in range(n_subjects)
    )


def _recorded_groups(monkeypatch) -> list:
    seen: list = []
    fit = RidgeClassifierLOO.fit

    def recording(self, X, y, sample_weight=None, groups=None):
        seen.append(groups)
        return fit(self, X, y, sample_weight, groups)

    monkeypatch.setattr(RidgeClassifierLOO, "fit", recording)
    return seen


def test_training_split_keeps_its_groups(tmp_path):
    _stream(6).to_csv(tmp_path / "log.csv", index=False)
    module = SensorDataModule(
        path=str(tmp_path / "log.csv"),
        window=16,
        step=8,
        label_col="activity",
        group_col="subject",
        val_fraction=0.3,
    )
    module.setup("fit")
    assert module.train_groups.tolist() == [i.split("@")[0] for i in module.train_set.ids]


def test_cli_fit_chooses_the_penalty_over_training_subjects(in_tmp, monkeypatch):
    _stream(6).to_csv("log.csv", index=False)
    seen = _recorded_groups(monkeypatch)
    assert cli.main([*FIT, "--data.val_fraction", "0.3"]) == 0
    (groups,) = seen
    assert groups is not None and 2 <= len(set(groups.tolist())) < 6  # the subjects left in training


def test_one_subject_left_in_training_warns(in_tmp, monkeypatch):
    _stream(2).to_csv("log.csv", index=False)
    seen = _recorded_groups(monkeypatch)
    with pytest.warns(LeakyValidationWarning, match=r"training split holds one group.*--data.val_fraction 0"):
        assert cli.main([*FIT, "--data.val_fraction", "0.3"]) == 0
    assert seen == [None]  # leave-one-out: no groups to hold out
