"""``ssm-ts forecast predict`` of a long-table model on a file holding its series under other column names
(``series``, ``value`` for the fit's ``unique_id``, ``y``), given with ``--data.id_col series``: the fix
offered was a refit alone. Reading the file under the fitted names (``--data.read_options`` with the
header's ``names``) or renaming its columns is offered first, and the command it gives runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli

FIT = ["forecast", "fit", "--data.path", "long.csv", "--model.model", "nlinear", "--model.lookback", "8",
       "--model.horizon", "2", "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1",
       "--trainer.limit_val_batches", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar",
       "false", "--out", "fit"]  # fmt: skip


@pytest.fixture
def fitted(tmp_path, monkeypatch, single_thread) -> list[str]:
    """A model fitted on long.csv (unique_id, ds, y) and other.csv, the same rows as (series, ds, value):
    the predict command of that model, its data options to add."""
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    long = pd.concat([pd.DataFrame({"unique_id": u, "ds": days, "y": np.sin(np.arange(40.0) / 5) + i})
                      for i, u in enumerate("ab")])  # fmt: skip
    long.to_csv("long.csv", index=False)
    long.rename(columns={"unique_id": "series", "y": "value"}).to_csv("other.csv", index=False)
    assert cli.main(FIT) == 0
    (ckpt,) = Path("fit").rglob("last.ckpt")
    return ["forecast", "predict", "--ckpt_path", str(ckpt), "--trainer.logger", "false", "--out", "out"]


def test_the_fitted_names_are_offered_before_a_refit_and_read_the_file(fitted, capsys):
    capsys.readouterr()
    given = ["--data.path", "other.csv", "--data.id_col", "series", "--data.value_col", "value"]
    assert cli.main([*fitted, *given]) == 1
    err = capsys.readouterr().err
    rename = (
        "If they hold the data the model was fitted on, leave --data.id_col, --data.value_col out and read "
        "other.csv under the fitted names (series -> unique_id, value -> y): --data.read_options "
        '"{header: 0, names: [unique_id, ds, y]}", or rename those columns in the file; else fit a model'
    )
    assert rename in err and err.index(rename) < err.index("ssm-ts forecast fit --data.id_col series")
    (options,) = re.findall(r"--data\.read_options (\"[^\"]*\")", err)
    assert cli.main([*fitted, "--data.path", "other.csv", "--data.read_options", *shlex.split(options)]) == 0
    assert len(pd.read_csv("out/forecast.csv")) == 2 * 2  # two series, two steps


def test_a_file_holding_the_fitted_column_too_gets_the_refit_alone(fitted, capsys):
    capsys.readouterr()
    assert cli.main([*fitted, "--data.path", "long.csv", "--data.id_col", "ds"]) == 1
    err = capsys.readouterr().err
    assert "so it cannot take another: leave --data.id_col out (the fit's values are used" in err
    assert "under the fitted names" not in err
