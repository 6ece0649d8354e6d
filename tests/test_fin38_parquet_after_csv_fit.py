"""A model fitted on a European CSV (read with read_options={'sep': ';'}) asked to forecast a Parquet
file of newer rows, on real ETTh1 rows: the model reads later CSVs with the fit's read_options, and
passed them to the Parquet file too, which refused them (CSV settings). They are now not passed to a
Parquet file, which is read with its own column types."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting.parquet_table import fitted_read_options


@pytest.fixture
def rows(ett) -> pd.DataFrame:
    return ett[["date", "OT"]].iloc[:300]


def test_a_csv_fit_s_read_options_are_not_passed_to_a_parquet_file(rows, tmp_path):
    rows.iloc[:250].to_csv(tmp_path / "fit.csv", sep=";", index=False)
    rows.iloc[200:].to_parquet(tmp_path / "new.parquet", index=False)
    model = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path / "out"),
                       trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    model.fit(tmp_path / "fit.csv", read_options={"sep": ";"})
    forecast = model.predict(tmp_path / "new.parquet")
    assert forecast["date"].iloc[0] == rows["date"].iloc[-1] + pd.Timedelta("1h") and len(forecast) == 6
    assert forecast["OT"].notna().all()
    # a later ';' CSV still reads with the fit's options, and options given for a Parquet file are refused
    rows.iloc[200:].to_csv(tmp_path / "new.csv", sep=";", index=False)
    assert model.predict(tmp_path / "new.csv")["date"].tolist() == forecast["date"].tolist()
    with pytest.raises(ConfigError, match="are CSV settings"):
        model.predict(tmp_path / "new.parquet", read_options={"sep": ";"})


def test_the_fit_s_options_stay_for_csv_files_and_data_frames(rows, tmp_path):
    rows.to_parquet(tmp_path / "no_suffix", index=False)  # Parquet by its first bytes
    rows.to_csv(tmp_path / "rows.csv", sep=";", index=False)
    saved = {"sep": ";"}
    assert fitted_read_options(tmp_path / "no_suffix", saved) is None
    assert fitted_read_options(str(tmp_path / "rows.csv"), saved) == saved
    assert fitted_read_options(tmp_path / "absent.parquet", saved) == saved  # reading it names the problem
    assert fitted_read_options(rows, saved) == saved
