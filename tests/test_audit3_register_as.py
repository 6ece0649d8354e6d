"""A ``register_as`` name MLflow's model registry refuses ('co2/v1') is a ConfigError before training,
naming the setting, the name, MLflow's rule and a name that works; MLflow refused it only when it
registered the model, after training."""

from __future__ import annotations

import mlflow
import pytest

from ssm_ts import Forecaster, WaveformGenerator, cli
from ssm_ts.datasets import write_co2_csv
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.registry_names import check_register_as, registry_name_problem

NAMES = ["co2", "co2-v1", "co2 forecaster", "co2.v1", "a..b", ".hidden", "x.", "über", "_", "CO2_v1",
         "co2/v1", "ns:model", "", "   ", ".", "..", "..x", "...", "a/./b"]  # fmt: skip


def test_the_rule_is_mlflows_own():
    from mlflow.exceptions import MlflowException
    from mlflow.utils import validation

    mlflow_check = getattr(validation, "_validate_model_name", None)
    if mlflow_check is None:
        pytest.skip("this MLflow has no _validate_model_name: compare registry_names' mirror with its rule")
    for name in NAMES:
        try:
            mlflow_check(name)
            refused = False
        except MlflowException:
            refused = True
        assert (registry_name_problem(name) is not None) == refused, name


def test_the_error_names_the_setting_name_rule_and_a_name_that_works():
    with pytest.raises(ConfigError) as caught:
        check_register_as("co2/v1")
    message = str(caught.value)
    assert message.startswith(
        "register_as 'co2/v1' is not a name MLflow's model registry takes (it contains '/')"
    )
    assert "must not be blank, contain '/' or ':'" in message
    assert "Use e.g. 'co2-v1'" in message
    assert registry_name_problem("co2-v1") is None
    with pytest.raises(ConfigError, match=r"--register_as '\.\.' .*reads as a relative path.*'my-model'"):
        check_register_as("..", setting="--register_as")
    with pytest.raises(ConfigError, match="register_as must be a model name .*got int 3"):
        check_register_as(3)
    check_register_as(None)
    check_register_as("co2.v1")


def test_forecaster_refuses_it_before_training(co2_interpolated_fit, tmp_path, monkeypatch):
    monkeypatch.setattr(Forecaster, "_build_trainer", lambda *a, **k: pytest.fail("trained"))
    fc = Forecaster(model="nlinear", lookback=52, horizon=13, max_epochs=1, register_as="co2/v1",
                    out_dir=str(tmp_path / "out"))  # fmt: skip
    with pytest.raises(ConfigError, match=r"register_as 'co2/v1' .*Use e\.g\. 'co2-v1'"):
        fc.fit(co2_interpolated_fit[1], time_col="date", fill="interpolate")
    client = mlflow.MlflowClient()
    assert not client.search_runs([e.experiment_id for e in client.search_experiments()])  # no run left


def test_waveform_generator_refuses_it_before_reading_audio(tmp_path):
    generator = WaveformGenerator(preset="tiny", max_epochs=1, register_as="digits:v1", out_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"register_as 'digits:v1' .*contains ':'.*'digits-v1'"):
        generator.fit(tmp_path / "no audio here")


def test_cli_refuses_it_before_reading_data(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    csv = write_co2_csv(tmp_path / "co2.csv")
    args = ["forecast", "fit", "--config", "forecast_co2_quick", "--data.path", str(csv), "--out", "out"]
    assert cli.main([*args, "--register_as", "co2/v1"]) != 0
    assert "--register_as 'co2/v1' is not a name MLflow's model registry takes" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
