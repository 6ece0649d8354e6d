"""Today's rows alone, after the data a model was fitted on (real ETTh1 rows): too short for the
lookback, the error said "Pass a longer history"; it now says they start after the fitted data ends
and how to give the earlier rows with them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError


@pytest.fixture
def fit(in_tmp, ett) -> Forecaster:
    """nlinear fitted one short epoch on 300 hourly ETTh1 rows (no MLflow)."""
    ett.iloc[:300].to_csv("fit.csv", index=False)
    fc = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
                    trainer_options={"limit_train_batches": 2, "enable_progress_bar": False})  # fmt: skip
    return fc.fit("fit.csv", time_col="date")


def test_rows_after_the_fitted_data_alone_get_the_fix_that_adds_the_earlier_ones(fit, ett):
    ett.iloc[300:310].to_csv("today.csv", index=False)
    with pytest.raises(DataError) as raised:
        fit.predict("today.csv")
    message = str(raised.value)
    assert message.startswith("today.csv: forecasting needs the last 24 observed rows (the lookback)")
    assert (
        "start at 2016-07-13 12:00:00, after the data the model was fitted on ends (2016-07-13 11:00:00)"
        in message
    )
    assert "pd.concat([pd.read_csv(earlier_path), pd.read_csv(new_path)])" in message
    both = pd.concat([pd.read_csv("fit.csv"), pd.read_csv("today.csv")])  # the fix, as the error writes it
    assert fit.predict(both)["date"].iloc[0] == pd.Timestamp("2016-07-13 22:00")


def test_a_short_slice_of_the_fitted_rows_gets_no_such_fix(fit, ett):
    with pytest.raises(DataError, match="the lookback") as raised:
        fit.predict(ett.iloc[290:300])
    assert "after the data the model was fitted on" not in str(raised.value)


def test_the_command_names_the_fit_s_file_as_the_earlier_rows(fit, ett, capsys):
    ett.iloc[300:310].to_csv("today.csv", index=False)
    args = ["forecast", "predict", "--ckpt_path", fit.best_checkpoint_, "--data.path", "today.csv"]
    assert cli.main([*args, "--out", "pred", "--trainer.logger", "false"]) == 1
    err = capsys.readouterr().err
    assert "error: today.csv: forecasting needs the last 24 observed rows (the lookback)" in err
    assert (
        f"(the fit read {Path('fit.csv').resolve()}: a forecast reads the rows before its first step" in err
    )
    assert "a copy of fit.csv with the new rows appended" in err
