"""A file shorter than the lookback is named in the error, by ``Forecaster.predict`` and by
``ssm-ts forecast predict``: it said "forecasting needs the last 24 observed rows (the lookback); the data
has 10", and a job that reads several files could not tell which one was short."""

from __future__ import annotations

import re

import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError


@pytest.fixture
def fit(in_tmp, ett) -> Forecaster:
    """nlinear fitted one short epoch on 300 hourly ETTh1 rows (no MLflow)."""
    ett.iloc[:300].to_csv("fit.csv", index=False)
    fc = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
        trainer_options={"limit_train_batches": 2, "enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    return fc.fit("fit.csv", time_col="date")


def test_a_short_file_is_named_by_every_front_end(fit, ett, capsys):
    ett.iloc[290:300].to_csv("today.csv", index=False)
    short = "forecasting needs the last 24 observed rows (the lookback); the data has 10"
    pattern = re.escape(short)
    with pytest.raises(DataError, match=rf"^today\.csv: {pattern}"):
        fit.predict("today.csv")
    with pytest.raises(DataError, match=rf"^the DataFrame: {pattern}"):
        fit.predict(ett.iloc[290:300])
    args = ["forecast", "predict", "--ckpt_path", fit.best_checkpoint_, "--data.path", "today.csv"]
    assert cli.main([*args, "--out", "pred", "--trainer.logger", "false"]) == 1
    assert f"error: today.csv: {short}" in capsys.readouterr().err
    assert len(fit.predict()) == 6  # the fitted history, named by nothing, forecasts as ever
