"""``ssm-ts forecast predict`` of a long-table checkpoint warns of a series the model was not fitted on,
as ``Forecaster.predict`` and the MLflow model do: it gets no forecast. A daily job's file that gained a
new series (a new store, a new sensor) gave the command's forecast without it and without a word."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli


@pytest.fixture
def long_fit(in_tmp, ett) -> Forecaster:
    """nlinear fitted one short epoch on 400 hourly rows of three ETTh1 series as a long table (no MLflow)."""
    wide = ett.iloc[:400][["date", "HUFL", "HULL", "OT"]]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    long.to_csv("fit.csv", index=False)
    fc = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
        trainer_options={"limit_train_batches": 2, "enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    return fc.fit("fit.csv")


def test_cli_predict_warns_of_a_series_the_model_was_not_fitted_on(long_fit):
    today = pd.read_csv("fit.csv")
    new = today[today["unique_id"] == "OT"].assign(unique_id="NEW")
    pd.concat([today, new]).to_csv("today.csv", index=False)
    args = ["forecast", "predict", "--ckpt_path", long_fit.best_checkpoint_, "--data.path", "today.csv"]
    with pytest.warns(
        UserWarning, match=r"today\.csv: series \['NEW'\] is not among those the model was fitted"
    ):
        assert cli.main([*args, "--out", "pred", "--trainer.logger", "false"]) == 0
    forecast = pd.read_csv("pred/forecast.csv")
    assert sorted(forecast["unique_id"].unique()) == ["HUFL", "HULL", "OT"]
    with pytest.warns(UserWarning, match=r"today\.csv: series \['NEW'\] is not among") as caught:
        long_fit.predict("today.csv")  # the API says the same, once
    assert len([w for w in caught if "not among those" in str(w.message)]) == 1
