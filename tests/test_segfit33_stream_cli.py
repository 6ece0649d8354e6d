"""``ssm-ts classify fit --data.window 16 --data.step 8 --data.label_col activity --data.group_col subject``:
a continuous stream cut into windows, validated on whole subjects; ``classify predict`` on an
unlabelled stream writes a prediction per window with its group, start and end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.pipelines.sensor import SensorDataModule
from tests.cli_runs import classify_predict

STREAM = ["--data.window", "16", "--data.step", "8", "--data.label_col", "activity"]
FIT = [
    "classify", "fit", "--model.model", "random_features", "--model.model_options", "{n_kernels: 20, seed: 0}",
    "--trainer.max_epochs", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
    *STREAM, "--data.group_col", "subject", "--data.val_fraction", "0.3", "--out", "out",
]  # fmt: skip


def _stream(n_subjects: int = 4, length: int = 64, labelled: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    parts = []
    for s in range(n_subjects):
        part = pd.DataFrame(
            {"subject": f"s{s}", "time": np.arange(length) * 0.02, "acc": rng.normal(size=length)}
        )
        if labelled:
            part["activity"] = np.where(np.arange(length) < length // 2, "walk", "sit")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_stream_fit_validates_on_whole_subjects(tmp_path):
    path = tmp_path / "log.csv"
    _stream(6).to_csv(path, index=False)
    module = SensorDataModule(
        path=str(path), window=16, step=8, label_col="activity", group_col="subject", val_fraction=0.3
    )
    module.setup("fit")
    subjects = [{i.split("@")[0] for i in part.ids} for part in (module.train_set, module.val_set)]
    assert subjects[0] and subjects[1] and not subjects[0] & subjects[1]
    assert len(module.train_set) + len(module.val_set) == 6 * 7  # (64 - 16) / 8 + 1 windows each


def test_stream_fit_then_predict_writes_a_row_per_window_with_its_span(in_tmp):
    _stream().to_csv("log.csv", index=False)
    assert cli.main([*FIT, "--data.path", "log.csv"]) == 0
    ckpt = next((in_tmp / "out").rglob("last.ckpt"))
    _stream(1, 40, labelled=False).drop(columns="subject").to_csv("today.csv", index=False)
    table = classify_predict(ckpt, "today.csv", "pred")
    assert list(table.columns[:4]) == ["id", "start", "end", "predicted"]
    assert len(table) == 4  # windows at samples 0, 8, 16, 24 of 40
    np.testing.assert_allclose(table["start"], [0.0, 0.16, 0.32, 0.48])
    np.testing.assert_allclose(table["end"], table["start"] + 15 * 0.02)
    assert set(table["predicted"]) <= {"walk", "sit"}


def test_a_stream_predicted_by_subject_names_each_windows_subject(in_tmp):
    _stream().to_csv("log.csv", index=False)
    assert cli.main([*FIT, "--data.path", "log.csv"]) == 0
    ckpt = next((in_tmp / "out").rglob("last.ckpt"))
    _stream(2, 24).to_csv("two.csv", index=False)  # labelled: the true label is kept too
    table = classify_predict(ckpt, "two.csv", "pred")
    assert list(table.columns[:4]) == ["id", "group", "start", "end"]
    assert table["group"].tolist() == ["s0", "s0", "s1", "s1"]
    assert table["id"].tolist() == ["s0@0.0", "s0@0.16", "s1@0.0", "s1@0.16"]
    assert table["label"].tolist() == ["walk", "sit"] * 2  # each window's majority


def test_windows_of_one_stream_split_at_random_warn(tmp_path):
    path = tmp_path / "log.csv"
    _stream(1, 200).drop(columns="subject").to_csv(path, index=False)
    module = SensorDataModule(path=str(path), window=16, step=8, label_col="activity", val_fraction=0.3)
    with pytest.warns(LeakyValidationWarning, match="--data.group_col subject"):
        module.setup("fit")


def test_window_settings_are_checked():
    with pytest.raises(ConfigError, match="data.step=8 cuts windows only with data.window"):
        SensorDataModule(path="log.csv", step=8)
    with pytest.raises(ConfigError, match="data.format='ts' is not one: use --data.format csv"):
        SensorDataModule(path="log.ts", format="ts", window=16)
