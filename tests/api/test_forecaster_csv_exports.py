"""End to end: a European spreadsheet export of ETTh1 (``;``, decimal commas, day-first dates, BOM)
fits and predicts like the plain file."""

from __future__ import annotations

import pandas as pd

from ssm_ts import Forecaster


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
