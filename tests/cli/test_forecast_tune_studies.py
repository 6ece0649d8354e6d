"""``ssm-ts forecast tune`` run twice into one ``--out``, the second time under another
``--study_name`` (both studies in ``<out>/optuna.db``): the second search wrote its trial 0's model
over the first's ``trial-0/export`` (and its outputs over the first's), and the first command, run
again, continued its study and wrote the second study's model as its best (silently wrong). A named
study now keeps its outputs and trials in ``<out>/<study_name>/``. On the CO2 CSV, tiny NLinear fits."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.datasets import write_co2_csv

SEARCH = ["forecast", "tune", "--data.path", "co2.csv", "--data.fill", "interpolate", "--n_trials", "1",
          "--sampler", "grid", "--model", "{model: nlinear, lookback: 52, horizon: 26, max_epochs: 1}",
          "--out", "out"]  # fmt: skip


def test_two_studies_in_one_out_keep_their_own_outputs_and_best_models(data_home, capsys):
    write_co2_csv(data_home / "co2.csv")  # as `python -m ssm_ts.datasets co2 co2.csv` writes it
    search = [*SEARCH, "--tracking_uri", f"sqlite:///{data_home / 'mlflow.db'}"]
    first, other = [*search, "--space", "{lr: [0.001]}"], [*search, "--space", "{lr: [0.03]}"]
    out = data_home / "out"
    assert cli.main(first) == 0
    forecast = pd.read_csv(out / "forecast.csv")
    trial_model = Forecaster.load(out / "trial-0" / "export")  # the model trial 0 trained
    assert cli.main([*other, "--study_name", "other"]) == 0
    capsys.readouterr()

    assert cli.main(first) == 0  # continued: no trial runs, its best is loaded from its trial-0
    assert "1 trials from earlier runs" in capsys.readouterr().err
    again = pd.read_csv(out / "forecast.csv")
    assert again["co2"].tolist() == pytest.approx(forecast["co2"].tolist())
    assert again["co2"].tolist() == pytest.approx(trial_model.predict()["co2"].tolist(), rel=1e-5)
    assert Forecaster.load(out / "export").settings["lr"] == 0.001

    # the other study's outputs and trials: in out/other/
    other_forecast = pd.read_csv(out / "other" / "forecast.csv")["co2"].tolist()
    assert other_forecast != pytest.approx(forecast["co2"].tolist())  # another model
    record = json.loads((out / "other" / "trial-0" / "export" / "tune_trial.json").read_text())
    assert record["study"] == "other" and record["values"] == {"lr": 0.03}
