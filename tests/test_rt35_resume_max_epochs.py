"""A fit resumed with a ``max_epochs`` below the epochs its checkpoint has trained (a SIGTERM'd fit of 200
epochs stopped at 149, resumed with the ``--trainer.max_epochs 33`` of another run) is refused with one
error naming both numbers and the fix. Lightning raised ``MisconfigurationException: You restored a
checkpoint with current_epoch=149, but you have set Trainer(max_epochs=33)`` under a page of its frames,
and on the command line only after the fit's MLflow run had resumed: the run was left FAILED, with the
refused value recorded as a ``resumed.1.trainer.max_epochs`` tag."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import default_tracking_uri

TINY = {"d_model": 4, "d_state": 4, "n_layers": 1}
QUIET = ["--trainer.enable_progress_bar", "false", "--trainer.limit_train_batches", "2",
         "--trainer.limit_val_batches", "1"]  # fmt: skip


def test_the_api_refuses_a_resume_with_fewer_max_epochs_than_trained(shared_data, tmp_path):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:160]

    def fit(max_epochs: int, resume: bool) -> Forecaster:
        forecaster = Forecaster(model="s4d", lookback=16, horizon=4, max_epochs=max_epochs, model_options=TINY,
                                log_to_mlflow=False, out_dir=str(tmp_path), trainer_options={"limit_train_batches": 2,
                                "limit_val_batches": 1, "enable_progress_bar": False})  # fmt: skip
        return forecaster.fit(frame, time_col="date", target="OT", resume=resume)

    fit(3, resume=False)
    with pytest.raises(
        ConfigError, match=r"max_epochs=1 is below the 3 epochs the checkpoint this fit resumes"
    ):
        fit(1, resume=True)
    fit(2, resume=True)  # one Lightning takes (it trains nothing more): as before


def test_the_cli_refuses_it_before_the_run_resumes(in_tmp, capsys):
    fit = ["forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--model.model", "s4d",
           "--model.lookback", "16", "--model.horizon", "4", "--model.model_options", "{d_model: 4, d_state: 4}",
           "--trainer.max_epochs", "3", "--out", "out", *QUIET]  # fmt: skip
    assert cli.main(fit) == 0
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    capsys.readouterr()
    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "1"]
    assert cli.main(resume) == 1
    err = capsys.readouterr().err
    assert "ssm-ts forecast fit: error: --trainer.max_epochs 1 is below the 3 epochs" in err, err
    assert "--trainer.max_epochs 4 or more" in err and "Traceback" not in err, err
    after = client.get_run(run.info.run_id)
    assert after.info.status == run.info.status == "FINISHED"  # was FAILED
    assert not any(tag.startswith("resumed.") for tag in after.data.tags)
