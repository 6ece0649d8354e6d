"""A Parquet file given by its path (``fit("ett.parquet")``, ``--data.path ett.parquet``) is read as
the typed table it is, on real ETTh1 rows: it was refused ("a Parquet file, not a CSV file"), which on
the command line left no way to use it. And the command's data errors give the fix as its options
(``--data.fill ffill``), not as Python arguments."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def ett(shared_data) -> pd.DataFrame:
    """ETTh1's first 400 hourly rows, date and oil temperature."""
    path = shared_data / "forecasting" / "ETTh1.csv"
    return pd.read_csv(path, usecols=["date", "OT"], parse_dates=["date"]).iloc[:400]


def test_a_model_fits_a_parquet_path_and_forecasts_a_newer_one(ett, tmp_path):
    ett.iloc[:300].set_index("date").to_parquet(tmp_path / "train.parquet")  # a saved DatetimeIndex
    ett.iloc[250:].to_parquet(tmp_path / "new.parquet", index=False)
    model = Forecaster(lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path / "fit"),
                       model_options={"d_model": 4, "d_state": 4, "n_layers": 1},
                       trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    forecast = model.fit(tmp_path / "train.parquet").predict(str(tmp_path / "new.parquet"))
    assert forecast["date"].tolist() == list(pd.date_range(ett["date"].iloc[-1], periods=7, freq="h")[1:])


def test_a_parquet_file_s_errors_name_the_file_and_its_rows(ett, tmp_path):
    gappy = ett.drop(index=[100, 101])
    gappy.to_parquet(tmp_path / "gappy.pq", index=False)
    with pytest.raises(DataError) as raised:
        load_series(tmp_path / "gappy.pq")
    message = str(raised.value)
    assert (
        message.startswith(f"{tmp_path / 'gappy.pq'}: 2 timestamps are missing") and "CSV line" not in message
    )


def test_read_options_of_a_parquet_file_are_refused(ett, tmp_path):
    ett.to_parquet(tmp_path / "ett.parquet", index=False)
    with pytest.raises(ConfigError, match=r"are CSV settings, but .*ett\.parquet is a Parquet file"):
        load_series(tmp_path / "ett.parquet", read_options={"sep": ";"})


def test_the_command_s_data_errors_give_its_options_for_the_fix(ett, tmp_path, capsys, monkeypatch):
    """ssm-ts forecast fit on a CSV with a gap told its user to pass fill="ffill", a Python argument."""
    from ssm_ts import cli

    monkeypatch.chdir(tmp_path)
    ett.drop(index=[100, 101]).to_csv("gappy.csv", index=False)
    code = cli.main(["forecast", "fit", "--data.path", "gappy.csv", "--model.lookback", "24", "--model.horizon", "6",
                     "--trainer.max_epochs", "1", "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and "ssm-ts forecast fit: error: gappy.csv: 2 timestamps are missing" in err
    assert "--data.fill ffill / --data.fill interpolate" in err and 'fill="ffill"' not in err
