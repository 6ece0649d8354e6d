"""`ssm-ts forecast predict --data.path new.parquet` with a model fitted on a ';' CSV, on real ETTh1 rows:
the checkpoint's read_options came back as the command's own and the Parquet file refused them (CSV
settings); a Parquet path is now read without them, as Forecaster.predict reads one."""

from __future__ import annotations

import pandas as pd


def test_the_command_forecasts_a_parquet_file_after_a_fit_on_a_semicolon_csv(
    ett, tmp_path, capsys, monkeypatch
):
    from ssm_ts import cli

    monkeypatch.chdir(tmp_path)
    rows = ett[["date", "OT"]].iloc[:300]
    rows.iloc[:250].to_csv("fit.csv", sep=";", index=False)
    rows.iloc[200:].to_parquet("new.parquet", index=False)
    common = ["--out", "out", "--trainer.logger", "false"]
    assert cli.main(["forecast", "fit", "--data.path", "fit.csv", "--data.read_options", "{sep: ';'}",
                     "--model.model", "nlinear", "--model.lookback", "24", "--model.horizon", "6",
                     "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1", *common]) == 0  # fmt: skip
    code = cli.main(["forecast", "predict", "--ckpt_path", "last", "--data.path", "new.parquet", *common])
    assert code == 0, capsys.readouterr().err
    forecast = pd.read_csv(tmp_path / "out" / "forecast.csv", parse_dates=["date"])
    assert forecast["date"].iloc[0] == rows["date"].iloc[-1] + pd.Timedelta("1h") and len(forecast) == 6
