"""MLflow glue: a real fit logs to the embedded sqlite store, and a pyfunc model loads back."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import lightning.pytorch as pl
import matplotlib.pyplot as plt
import mlflow
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from ssm_ts.tracking.logger import (
    default_tracking_uri,
    log_dict_artifact,
    log_figure,
    log_params,
    log_pyfunc_model,
    make_mlflow_logger,
)
from ssm_ts.training import build_trainer


class TinyRegressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.linear(x), y)
        self.log("train_loss", loss, on_epoch=True, on_step=False)
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class DoublingModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input: pd.DataFrame, params=None):
        return model_input * 2


def _loaders():
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    data = DataLoader(TensorDataset(x, y), batch_size=16)
    return data, data


def test_default_uri_is_sqlite_in_cwd(monkeypatch, tmp_path):
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.chdir(tmp_path)
    assert default_tracking_uri() == f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"


def test_fit_logs_metrics_params_artifacts_and_pyfunc(tmp_path):
    logger = make_mlflow_logger("unit-test", run_name="tiny")
    trainer = build_trainer(max_epochs=3, out_dir=tmp_path / "run", logger=logger)
    train, val = _loaders()
    trainer.fit(TinyRegressor(), train, val)
    log_params(logger, {"model": {"width": 3}, "lr": 0.1})
    log_dict_artifact(logger, {"model": {"width": 3}}, "config.yaml")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    log_figure(logger, fig, "plots/line.png")
    plt.close(fig)
    uri = log_pyfunc_model(logger, DoublingModel(), artifacts={}, register_as="tiny-doubler")

    client = mlflow.MlflowClient(default_tracking_uri())
    run = client.get_run(logger.run_id)
    assert run.data.params["model.width"] == "3"
    history = client.get_metric_history(logger.run_id, "val_loss")
    assert len(history) == 3 and history[-1].value < history[0].value
    names = {a.path for a in client.list_artifacts(logger.run_id)} | {
        a.path for a in client.list_artifacts(logger.run_id, "plots")
    }
    assert {"config.yaml", "plots/line.png"} <= names
    assert (tmp_path / "run" / "checkpoints" / "last.ckpt").is_file()
    assert not (tmp_path / "lightning_logs").exists()

    mlflow.set_tracking_uri(default_tracking_uri())
    loaded = mlflow.pyfunc.load_model(uri)
    out = loaded.predict(pd.DataFrame({"a": [1.0, 2.0]}))
    assert out["a"].tolist() == [2.0, 4.0]
    assert client.get_registered_model("tiny-doubler").name == "tiny-doubler"


def test_a_resume_check_ignores_parameters_the_run_never_logged(monkeypatch, tmp_path):
    # it read logged[k] before asking whether k was logged: a new or unset parameter was a KeyError
    import pytest

    from ssm_ts.errors import ConfigError
    from ssm_ts.tracking.logger import check_resumed_run

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    logger = make_mlflow_logger("resume-check")
    log_params(logger, {"model": {"lookback": 96}})
    check_resumed_run(logger, logger.run_id, {"model": {"lookback": 96, "added_later": 1}})
    with pytest.raises(ConfigError, match="model.lookback: 96 in the run, 48 now"):
        check_resumed_run(logger, logger.run_id, {"model": {"lookback": 48, "added_later": 1}})


def test_a_bare_copy_of_a_logged_setting_is_left_out_and_a_users_own_parameter_is_logged(tmp_path):
    """Lightning's call at the start of a fit repeats the task's settings under bare names
    (``lookback`` beside ``model.lookback``); ssm-ts's logger leaves those out, but a user's own
    ``logger.log_hyperparams`` (a callback's, a notebook's) was dropped whole."""
    logger = make_mlflow_logger("bare-names", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    log_params(logger, {"model": {"lookback": 24, "model_options": {"d_model": 8}}})
    logger.log_hyperparams({"lookback": 24, "model_options": {"d_model": 8}, "_instantiator": "x"})
    logger.log_hyperparams({"my_note": "baseline"})
    params = mlflow.MlflowClient(logger._tracking_uri).get_run(logger.run_id).data.params
    assert params == {"model.lookback": "24", "model.model_options.d_model": "8", "my_note": "baseline"}
