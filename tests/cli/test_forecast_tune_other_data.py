"""``ssm-ts forecast tune`` run again into the same ``--out`` with another CSV: refused, naming both
files, and the earlier search's ``export/`` and ``forecast.csv`` are left as they were. It continued
the study kept in ``<out>/optuna.db``, trained no trial, and wrote the model fitted on the first CSV
with its forecasts on that CSV's scale over them. A new ``--out`` searches the other CSV."""

from __future__ import annotations

import pandas as pd

from ssm_ts import cli
from tests.api.test_tune_study_data import REFUSED, rescaled


def test_cli_tune_into_the_same_out_refuses_other_data_and_keeps_the_outputs(ett, data_home, capsys):
    ett.to_csv(data_home / "a.csv", index=False)
    rescaled(ett).to_csv(data_home / "b.csv", index=False)
    tune = ["forecast", "tune", "--data.target", "OT", "--model", "{model: nlinear, horizon: 12, max_epochs: 1}",
            "--space", "{lookback: [24, 48]}", "--n_trials", "2", "--sampler", "grid", "--out", "out",
            "--tracking_uri", f"sqlite:///{data_home / 'mlflow.db'}"]  # fmt: skip
    assert cli.main([*tune, "--data.path", "a.csv"]) == 0
    forecast = (data_home / "out" / "forecast.csv").read_bytes()
    model = (data_home / "out" / "export" / "model.safetensors").read_bytes()
    assert cli.main([*tune, "--data.path", "a.csv"]) == 0  # the same data: continued, nothing to train
    assert "2 trials from earlier runs" in capsys.readouterr().err

    assert cli.main([*tune, "--data.path", "b.csv"]) == 1
    err = capsys.readouterr().err
    assert f"{REFUSED}{data_home / 'a.csv'} then, {data_home / 'b.csv'} now (other content)" in err, err
    assert "a new --out" in err and "--study_name" in err and "Traceback" not in err
    # the earlier search's model and forecasts are left as they were (they were overwritten, on a's scale)
    assert (data_home / "out" / "forecast.csv").read_bytes() == forecast
    assert (data_home / "out" / "export" / "model.safetensors").read_bytes() == model

    assert cli.main([*tune, "--data.path", "b.csv", "--out", "out_b"]) == 0  # a new --out searches b
    forecast_b = pd.read_csv(data_home / "out_b" / "forecast.csv")
    assert forecast_b["OT"].mean() > 4000  # b's scale (a's OT is below 50)
