"""``ssm-ts classify validate`` of a stream cut with ``--data.group_col``: the data module's validate
stage holds out the whole subjects the fit held out. It split the windows at random (the groups
left out), so the validation scored windows the model was trained on, and not the fit's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.pipelines.sensor import SensorDataModule


def _module(path: str) -> SensorDataModule:
    return SensorDataModule(
        path=path, window=16, step=8, label_col="activity", group_col="subject", val_fraction=0.3, seed=1
    )


def test_validate_holds_out_the_subjects_the_fit_held_out(tmp_path):
    rng = np.random.default_rng(0)
    pd.concat(
        pd.DataFrame(
            {"subject": f"s{s}", "acc": rng.normal(size=64), "activity": np.repeat(["walk", "sit"], 32)}
        )
        for s in range(6)
    ).to_csv(tmp_path / "log.csv", index=False)
    fitted, validated = _module(str(tmp_path / "log.csv")), _module(str(tmp_path / "log.csv"))
    fitted.setup("fit")
    validated.setup("validate")
    assert validated.val_set.ids == fitted.val_set.ids
    assert validated.train_set.ids == fitted.train_set.ids
    subjects = {
        part: {i.split("@")[0] for i in getattr(validated, part).ids} for part in ("train_set", "val_set")
    }
    assert subjects["val_set"] and not subjects["train_set"] & subjects["val_set"]  # whole subjects
    assert validated.train_groups.tolist() == fitted.train_groups.tolist()
