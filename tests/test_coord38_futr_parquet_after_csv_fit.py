"""A futr_df Parquet file for a model whose fit read its CSV with read_options={'sep': ';'}, on real ETTh1
rows: the fit's CSV options were passed to the Parquet file, which refused them (CSV settings); a Parquet
futr_df is read with its own column types, as a Parquet data file is."""

from __future__ import annotations

import dataclasses

import pandas as pd

from tests.untrained import untrained_forecaster


def test_a_futr_df_parquet_file_is_read_without_the_fit_s_csv_options(ett, tmp_path):
    hourly = ett.iloc[:200][["date", "OT"]].copy()
    hourly = hourly.assign(hour=hourly["date"].dt.hour.astype(float))
    fc = untrained_forecaster(hourly.iloc[:194], 24, 6, target="OT", future_covariates=["hour"])
    fc.spec_ = dataclasses.replace(fc.spec_, read_options={"sep": ";"})  # as a fit on a ';' CSV keeps them
    hourly[["date", "hour"]].iloc[194:].to_parquet(tmp_path / "futr.parquet", index=False)
    by_frame = fc.predict(futr_df=hourly[["date", "hour"]].iloc[194:])
    pd.testing.assert_frame_equal(fc.predict(futr_df=tmp_path / "futr.parquet"), by_frame)
