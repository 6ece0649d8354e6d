"""``ssm-ts forecast fit --data.read_options '{...}'`` reads a data logger's export of ETTh1
(metadata lines, ``|``, ``-999`` markers, ``%d.%m.%Y %H:%M`` dates) through LightningCLI; the
options are saved in the fit's config.yaml and export, so ``forecast predict --config`` and
``Forecaster.load`` read a later export of the same logger with them. A bad key stops the
command, naming it."""

from __future__ import annotations

import pandas as pd

from ssm_ts import Forecaster, cli
from tests.api.test_forecaster_csv_exports import logger_csv

OPTIONS = '{sep: "|", skiprows: 3, na_values: ["-999"], date_format: "%d.%m.%Y %H:%M"}'


def test_forecast_cli_takes_read_options_and_keeps_them(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=300)[["date", "HUFL", "OT"]]
    logger_csv(tmp_path / "logger.csv", ett.iloc[:200].reset_index(drop=True))
    later = logger_csv(tmp_path / "later.csv", ett.iloc[100:].reset_index(drop=True))
    out = tmp_path / "out"
    fit = ["forecast", "fit", "--data.path", "logger.csv", "--data.target", "OT", "--data.fill", "interpolate",
           "--model.model", "nlinear", "--model.lookback", "16", "--model.horizon", "4", "--data.batch_size", "16",
           "--trainer.max_epochs", "1", "--out", str(out)]  # fmt: skip
    assert cli.main([*fit, "--data.read_options", "{usecols: [OT]}"]) == 1
    assert "'usecols' is set by the pipeline" in capsys.readouterr().err
    assert cli.main([*fit, "--data.read_options", OPTIONS]) == 0

    loaded = Forecaster.load(out / "export")
    assert loaded.spec_.read_options["date_format"] == "%d.%m.%Y %H:%M"
    forecast = loaded.predict(later)  # read with the fit's options
    assert list(forecast["date"]) == list(pd.date_range("2016-07-13 12:00", periods=4, freq="h"))

    # the fit's config.yaml holds the options: predict with it reads the later export alike
    assert "date_format: '%d.%m.%Y %H:%M'" in (out / "config.yaml").read_text()
    predict = ["forecast", "predict", "--config", str(out / "config.yaml"), "--ckpt_path", "best",
               "--data.path", str(later), "--out", str(out)]  # fmt: skip
    assert cli.main(predict) == 0, capsys.readouterr().err
    written = pd.read_csv(out / "forecast.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(written, forecast, check_dtype=False, atol=1e-5)

    # without --config, the checkpoint's data settings (read_options, time_col, ...) are restored
    (out / "forecast.csv").unlink()
    alone = ["forecast", "predict", "--ckpt_path", "best", "--data.path", str(later), "--out", str(out)]
    assert cli.main(alone) == 0, capsys.readouterr().err
    written = pd.read_csv(out / "forecast.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(written, forecast, check_dtype=False, atol=1e-5)
    assert "date_format: '%d.%m.%Y %H:%M'" in (out / "config.yaml").read_text()  # predict's own config

    # ... unless the command line says otherwise: the same rows as a plain comma CSV with ISO dates
    plain = tmp_path / "plain.csv"
    rows = pd.read_csv(later, sep="|", skiprows=3, na_values=["-999"])
    rows.assign(date=pd.to_datetime(rows["date"], format="%d.%m.%Y %H:%M")).to_csv(plain, index=False)
    on_plain = [*alone[:5], str(plain), *alone[6:]]
    capsys.readouterr()
    assert cli.main(on_plain) == 1  # the fit's options ('|', 3 lines skipped) do not read it
    error = capsys.readouterr().err  # ... and the error says they came from the checkpoint
    assert "restored from the checkpoint" in error and "data.read_options={'sep'" not in error, error
    # ... as the options that give them back: --data.read_options '{sep: "|", ...}', --data.target OT
    assert f"--data.read_options '{OPTIONS}'" in error and "--data.target OT," in error, error
    assert cli.main([*on_plain, "--data.read_options", "{}"]) == 0, capsys.readouterr().err  # detection
    written = pd.read_csv(out / "forecast.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(written, forecast, check_dtype=False, atol=1e-5)
