"""``ssm-ts forecast tune`` of a model with known-future covariates on data without their rows at the
forecast steps: the search's work is done and saved, so the command ends with exit code 0, writes
``trials.csv`` and ``export/``, skips ``forecast.csv`` and says how to make it from the search's best
model. Both ways it names work as written: the ``ssm-ts forecast predict --futr_path`` command pasted,
and ``Forecaster.load(<out>/export).predict(futr_df=...)``, the same forecast. Before, the command
stopped with exit code 1 after the search, its fix the Python call ``predict(futr_df=futr)``."""

from __future__ import annotations

import re
import shlex

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from tests.hour_of_day_files import write_hour_of_day_files

HORIZON, ROWS = 12, 300
MODEL = (
    "{model: nlinear, lookback: 24, horizon: %d, max_epochs: 1, trainer_options: {limit_train_batches: 2}}"
)


@pytest.fixture
def files(shared_data, tmp_path, monkeypatch, single_thread):
    """In the working folder: ``train.csv`` (ETTh1's OT and the hour of day, ROWS rows, none after them)
    and ``future.csv`` (the hours of the HORIZON steps after them): :func:`write_hour_of_day_files`."""
    monkeypatch.chdir(tmp_path)
    write_hour_of_day_files(shared_data, ROWS, HORIZON)
    return tmp_path


def test_tune_without_future_rows_saves_the_search_and_says_how_to_forecast(files, capsys):
    args = ["forecast", "tune", "--data.path", "train.csv", "--data.target", "OT"]
    args += ["--data.future_covariates", "[hour]", "--model", MODEL % HORIZON, "--space", "{lr: [0.001]}"]
    args += ["--n_trials", "1", "--out", "out", "--tracking_uri", f"sqlite:///{files / 'tune.db'}"]
    assert cli.main(args) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert (files / "out" / "trials.csv").is_file() and (files / "out" / "export").is_dir()
    assert not (files / "out" / "forecast.csv").exists()
    assert (
        "skipped out/forecast.csv: the best model reads the known-future covariates ['hour'] at the 12"
        in said
    )
    assert "train.csv has no rows of them after its last observation" in said, said

    python = Forecaster.load("out/export").predict(futr_df="future.csv")
    assert "or in Python Forecaster.load('out/export').predict(futr_df='future.csv')." in said
    (command,) = re.findall(r"ssm-ts (forecast predict --ckpt_path .*?), or in Python", said)
    assert cli.main(shlex.split(command)) == 0  # pasted as printed
    pasted = pd.read_csv(files / "out" / "forecast.csv", parse_dates=["date"])
    assert len(pasted) == HORIZON
    pd.testing.assert_frame_equal(pasted, python.reset_index(drop=True), check_dtype=False)
