"""A ``Forecaster.fit``'s best checkpoint keeps the conformal scores the fit computed, as a CLI fit's does,
so ``ssm-ts forecast predict --ckpt_path <that checkpoint> --data.path today.csv --level 80`` gives the
intervals ``Forecaster.predict(level=...)`` and the MLflow model give.

Before, the checkpoint held none, and the command calibrated again on the validation split of the file
it was given: other windows than the fit's (the daily job's longer ``today.csv`` moves the 70/10/20
split), or rows the model trained on (an older or shorter file). On ETTh1 its 80% bands differed by up
to 0.7 from the API's and the pyfunc's for the same model and input, while the point forecasts agreed
exactly.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.export import load_checkpoint
from ssm_ts.tasks.conformal_storage import CHECKPOINT_KEY


@pytest.fixture
def api_fit(in_tmp, ett) -> tuple[Forecaster, str]:
    """``(forecaster, today.csv)``: nlinear fitted one short epoch on 600 hourly ETTh1 rows (no MLflow),
    and a newer file of 700 rows, as a scheduled job reads the day after."""
    ett.iloc[:600].to_csv("fit.csv", index=False)
    ett.iloc[:700].to_csv("today.csv", index=False)
    fc = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False, out_dir="out",
        trainer_options={"limit_train_batches": 2, "enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    fc.fit("fit.csv", time_col="date")
    return fc, "today.csv"


def test_the_best_checkpoint_holds_the_fit_scores(api_fit):
    fc, _ = api_fit
    entry = load_checkpoint(fc.best_checkpoint_)[CHECKPOINT_KEY]
    assert entry["targets"] == list(fc.spec_.targets)
    assert entry["residual"].numpy().tolist() == fc.conformal_.residual.tolist()


def test_cli_intervals_from_the_api_checkpoint_are_the_api_ones(api_fit, capsys):
    fc, today = api_fit
    args = ["forecast", "predict", "--ckpt_path", fc.best_checkpoint_, "--data.path", today]
    assert cli.main([*args, "--out", "pred", "--level", "[80]", "--trainer.logger", "false"]) == 0, (
        capsys.readouterr().err
    )
    from_cli = pd.read_csv("pred/forecast.csv")
    from_api = fc.predict(today, level=[80])
    assert list(from_cli.columns) == list(from_api.columns)
    assert (from_cli["date"] == from_api["date"].astype(str)).all()
    numbers = from_api.columns.drop("date")
    pd.testing.assert_frame_equal(from_cli[numbers], from_api[numbers], rtol=1e-6, atol=1e-6)
