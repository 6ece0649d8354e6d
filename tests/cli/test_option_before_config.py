"""An option given before a ``--config`` that sets it to another value is refused, naming both values and
the fix: jsonargparse reads left to right, so ``classify fit --data.path my.csv --config
classify_basicmotions.yaml`` trained on BasicMotions, not on my.csv."""

from __future__ import annotations

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.packaged_configs import available
from ssm_ts.tasks.option_order import refuse_options_before_config


def test_a_shipped_config_after_the_data_path_is_refused_naming_the_order(tmp_path, capsys):
    mine = tmp_path / "my.csv"
    args = ["fit", "--data.path", str(mine), "--config", "classify_basicmotions", "--out", str(tmp_path)]
    assert cli.main(["classify", *args]) == 1
    err = " ".join(capsys.readouterr().err.split())
    shipped = available()["classify_basicmotions"]
    assert f"--data.path {mine} comes before --config {shipped}, which sets data.path:" in err, err
    assert f"Put --data.path after --config {shipped}." in err, err


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "c.yaml"
    content = {
        "trainer": {"max_epochs": 3},
        "data": {"class_path": "x.Data", "init_args": {"path": "a.csv"}},
        "model": {"lookback": 24},
    }
    path.write_text(yaml.safe_dump(content))
    return str(path)


@pytest.mark.parametrize(
    "args",
    [
        ["fit", "--trainer.max_epochs", "5", "--config", "{c}"],
        ["fit", "--trainer.max_epochs=5", "--config={c}"],
        ["fit", "--data.path", "b.csv", "--config", "{c}"],  # through the section's init_args
        ["fit", "--config", "{c}", "--model.lookback", "12", "--config", "{c}"],  # a second config
    ],
)
def test_each_overridden_option_form_is_refused(config, args):
    with pytest.raises(ConfigError, match="options are read left to right"):
        refuse_options_before_config([a.format(c=config) for a in args])


@pytest.mark.parametrize(
    "args",
    [
        ["fit", "--config", "{c}", "--trainer.max_epochs", "5"],  # after: the option wins, as asked
        ["fit", "--trainer.max_epochs", "3", "--config", "{c}"],  # the same value: nothing changes
        ["fit", "--seed_everything", "1", "--config", "{c}"],  # a setting the config leaves alone
        ["fit", "--data.path", "a.csv", "--config", "{c}"],
    ],
)
def test_options_the_config_does_not_override_pass(config, args):
    refuse_options_before_config([a.format(c=config) for a in args])


def test_forecast_tune_refuses_the_same_order(tmp_path, capsys):
    args = [
        "forecast",
        "tune",
        "--space.lr.low",
        "0.5",
        "--config",
        "forecast_co2_tune",
        "--out",
        str(tmp_path),
    ]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "--space.lr.low 0.5 comes before --config" in err and "options are read left to right" in err, err


def test_a_key_written_with_dots_in_the_config_is_found(tmp_path):
    path = tmp_path / "tune.yaml"
    path.write_text(yaml.safe_dump({"space": {"model_options.d_model": [8, 16]}}))
    with pytest.raises(ConfigError, match="sets space.model_options.d_model: \\[8, 16\\]"):
        refuse_options_before_config(["--space.model_options.d_model", "[4]", "--config", str(path)])
    refuse_options_before_config(["--space.model_options.d_model", "[8, 16]", "--config", str(path)])
