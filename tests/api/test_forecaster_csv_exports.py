"""End to end: a European spreadsheet export of ETTh1 (``;``, decimal commas, day-first dates, BOM)
fits and predicts like the plain file; a data logger's export (metadata lines, ``|``, ``-999``
markers, ``%d.%m.%Y %H:%M`` dates) fits and predicts with ``read_options``, kept with the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError, DataError


def test_forecaster_fits_a_european_export(shared_data, tmp_path):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=120)[["date", "HUFL", "OT"]]
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%d/%m/%Y %H:%M")
    path = tmp_path / "ett_de.csv"
    path.write_bytes(frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig"))
    model = Forecaster(
        model="nlinear",
        lookback=16,
        horizon=4,
        max_epochs=1,
        log_to_mlflow=False,
        out_dir=str(tmp_path / "run"),
    )
    forecast = model.fit(path, target="OT").predict()
    # 120 hours from 1 July 2016 (read day first, not 7 January): the forecast starts on 6 July
    assert list(forecast["date"]) == list(pd.date_range("2016-07-06", periods=4, freq="h"))
    assert forecast["OT"].notna().all()


READ_OPTIONS = {"sep": "|", "skiprows": 3, "na_values": ["-999"], "date_format": "%d.%m.%Y %H:%M"}


def logger_csv(path: Path, frame: pd.DataFrame) -> Path:
    """``frame`` as a data logger writes it: metadata lines, ``|``, ``-999`` markers, ``13.07.2016 05:00``."""
    frame = frame.assign(date=pd.to_datetime(frame["date"]).dt.strftime("%d.%m.%Y %H:%M"))
    frame.loc[[20, 21], "OT"] = -999
    path.write_text("Logger: TX-7\nExported: 2024-01-05\nUnits: kW\n" + frame.to_csv(index=False, sep="|"))
    return path


def test_forecaster_reads_a_logger_export_with_read_options_and_keeps_them(shared_data, tmp_path):
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=200)[["date", "HUFL", "OT"]]
    path = logger_csv(tmp_path / "logger.csv", ett.iloc[:150].reset_index(drop=True))
    model = Forecaster(model="nlinear", lookback=16, horizon=4, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path / "run"))  # fmt: skip
    with pytest.raises(DataError, match=r"read_options=\{'sep': '\|', 'skiprows': 3\}"):
        model.fit(path, target="OT")
    model.fit(path, target="OT", fill="interpolate", read_options=READ_OPTIONS)
    assert list(model.predict()["date"]) == list(pd.date_range("2016-07-07 06:00", periods=4, freq="h"))
    # a later export of the same logger, read with the options of the fit, also after save/load
    later = logger_csv(tmp_path / "later.csv", ett.iloc[50:].reset_index(drop=True))
    forecast = model.predict(later)
    assert list(forecast["date"]) == list(pd.date_range("2016-07-09 08:00", periods=4, freq="h"))
    loaded = Forecaster.load(model.save(tmp_path / "export"))
    pd.testing.assert_frame_equal(loaded.predict(later), forecast)
    backtest = loaded.backtest(later, n_windows=3)
    assert len(backtest) == 12 and backtest["OT"].notna().all()
    assert backtest["OT_actual"].between(0, 100).all()  # no -999 among the actuals
    # options given to predict replace the saved ones; {} reads by detection alone
    with pytest.raises(DataError, match=r"read as one column"):
        loaded.predict(later, read_options={})
    plain = tmp_path / "plain.csv"
    ett.iloc[50:].to_csv(plain, index=False)
    pd.testing.assert_frame_equal(loaded.predict(plain, read_options={}), forecast, atol=1e-5)


def test_bad_read_options_fail_before_training(tmp_path):
    model = Forecaster(model="nlinear", lookback=16, horizon=4, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path / "run"))  # fmt: skip
    with pytest.raises(ConfigError, match=r"'usecols' is set by the pipeline.*target="):
        model.fit(tmp_path / "any.csv", read_options={"usecols": ["OT"]})
    with pytest.raises(ConfigError, match=r"apply to CSV files, but the data is a DataFrame"):
        model.fit(pd.DataFrame({"date": pd.date_range("2020", periods=50, freq="h"), "y": 1.0}),
                  read_options={"sep": ";"})  # fmt: skip
    assert not (tmp_path / "run").exists()
