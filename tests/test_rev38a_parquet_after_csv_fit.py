"""A model fitted on a European CSV (read with read_options={'sep': ';'}) asked to forecast a Parquet
file, on real ETTh1 rows: the model reads later files with the fit's read_options, and the Parquet
file's refusal said only to leave them out, which a user who gave none cannot do."""

from __future__ import annotations

import ast
import re

import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError


def test_a_csv_fit_s_read_options_refused_for_a_parquet_file_name_the_fix_that_runs(ett, tmp_path):
    rows = ett[["date", "OT"]].iloc[:300]
    rows.iloc[:250].to_csv(tmp_path / "fit.csv", sep=";", index=False)
    rows.iloc[200:].to_parquet(tmp_path / "new.parquet", index=False)
    model = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path / "out"),
                       trainer_options={"limit_train_batches": 1, "enable_progress_bar": False})  # fmt: skip
    model.fit(tmp_path / "fit.csv", read_options={"sep": ";"})
    with pytest.raises(ConfigError) as raised:
        model.predict(tmp_path / "new.parquet")
    message = str(raised.value)
    assert "a model fitted on a CSV read with them reads later files with them too" in message
    fix = ast.literal_eval(re.search(r"give it read_options=(\{\})", message).group(1))  # as written
    forecast = model.predict(tmp_path / "new.parquet", read_options=fix)
    assert forecast["date"].iloc[0] == rows["date"].iloc[-1] + pd.Timedelta("1h")
