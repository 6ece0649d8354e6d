"""A config of another use (a forecast config given to ``ssm-ts classify fit``, renamed so that its file
name gives no hint) is refused naming the use it is for and the command that runs it: jsonargparse said
only "--model.model takes one of s4d1d, ...; got 'spacetime'" or "does not accept option 'model.preset'"."""

from __future__ import annotations

import shutil

import pytest
import yaml

from ssm_ts import cli
from ssm_ts.cli.config_use import check_config_use
from ssm_ts.packaged_configs import available, use_of

USE_NAMES = ("forecast", "audio", "classify")
SHIPPED = sorted(available())


@pytest.mark.parametrize(
    ("name", "use"), [(name, use) for name in SHIPPED for use in USE_NAMES if use != use_of(name)]
)
def test_a_renamed_config_of_another_use_names_its_use_and_command(name, use, tmp_path, capsys):
    config = tmp_path / "settings.yaml"  # a copy whose name says nothing of its use
    shutil.copy(available()[name], config)
    owner = use_of(name)
    command = "tune" if name.endswith("_tune") else "fit"
    assert cli.main([use, "fit", "--config", str(config), "--out", str(tmp_path / "out")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"--config {config} is a config for ssm-ts {owner}, not ssm-ts {use}" in err, err
    assert f"run it with ssm-ts {owner} {command} --config {config}" in err, err
    assert "does not accept option" not in err and "takes one of" not in err


def test_the_message_names_the_model_and_the_settings_the_use_does_not_take(tmp_path, capsys):
    config = tmp_path / "settings.yaml"
    shutil.copy(available()["forecast_etth1"], config)
    assert cli.main(["classify", "test", "--config", str(config), "--out", str(tmp_path / "out")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "its model is spacetime; ssm-ts classify takes none of model.lookback, model.horizon" in err, err
    assert f"run it with ssm-ts forecast test --config {config}" in err, err


@pytest.mark.parametrize("name", SHIPPED)
def test_a_uses_own_config_passes_the_check(name):
    check_config_use(name, yaml.safe_load(available()[name].read_text()), use_of(name), "fit")


@pytest.mark.parametrize(
    ("content", "owner"),
    [
        # a class_path naming another use's task, its settings under init_args
        ({"model": {"class_path": "ssm_ts.tasks.forecasting.ForecastingTask", "init_args": {"lr": 0.1}}}, "forecast"),
        ({"data": {"class_path": "AudioDataModule"}}, "audio"),  # a class's name alone
        ({"model": {"model": "s4d1d"}, "data": {"val_fraction": 0.2}}, "classify"),
    ],
)  # fmt: skip
def test_a_class_path_or_a_setting_of_one_use_alone_tells_the_use(content, owner):
    use = next(u for u in USE_NAMES if u != owner)
    with pytest.raises(ValueError, match=f"is a config for ssm-ts {owner}, not ssm-ts {use}"):
        check_config_use("x.yaml", content, use, "fit")


@pytest.mark.parametrize(
    "content",
    [
        {"model": {"lookbak": 48}},  # a typo: no use takes it, the parser's "did you mean" says more
        {"model": {"lr": 0.1}, "data": {"batch_size": 8}},  # settings several uses take
        {"model": {"lookback": 48, "horizon": 12}, "data": {"val_fraction": 0.2}},  # mostly forecast's
        {"trainer": {"max_epochs": 1}},  # no model: or data:
        {"model": "model.yaml"},  # a section in a file of its own
    ],
)
def test_a_config_of_no_other_use_is_left_to_the_parser(content):
    check_config_use("x.yaml", content, "forecast", "fit")


def parse_error_lines(args: list[str], capsys) -> list[str]:
    """The error lines of ``ssm-ts ARGS`` refused by the parser (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("use", "option", "owner"),
    [
        ("classify", "--model.lookback", "forecast"),
        ("forecast", "--data.root", "audio"),
        ("audio", "--model.classes", "classify"),
    ],
)
def test_an_option_of_another_use_names_that_use(use, option, owner, capsys):
    lines = parse_error_lines([use, "test", option, "1"], capsys)
    assert f"  {option} is an option of ssm-ts {owner} test" in lines, lines


def test_a_key_of_another_use_in_a_config_of_this_use_names_that_use(tmp_path, capsys):
    config = tmp_path / "settings.yaml"  # forecast's own settings, and one of classify's by mistake
    config.write_text("model:\n  lookback: 48\n  horizon: 12\ndata:\n  val_fraction: 0.2\n")
    lines = parse_error_lines(["forecast", "fit", "--config", str(config)], capsys)
    assert "does not accept option 'data.val_fraction'" in lines[0], lines
    assert "  --data.val_fraction is an option of ssm-ts classify fit" in lines, lines


@pytest.mark.parametrize(
    ("args", "name", "command"),
    [
        # tune parses its own options: it said "Option 'data.val_fraction' is not accepted"
        (["forecast", "tune"], "classify_basicmotions_quick", "fit"),
        (["forecast", "tune"], "audio_digits_quick", "fit"),
        # generate read only the config's out: and looked for the checkpoint there
        (["audio", "generate", "--ckpt_path", "best"], "forecast_co2_quick", "predict"),
        (["audio", "generate", "--ckpt_path", "best"], "forecast_co2_tune", "tune"),
        (["audio", "generate", "--ckpt_path", "best"], "classify_basicmotions_quick", "predict"),
    ],
)
def test_the_api_commands_name_the_use_and_command_of_another_uses_config(
    args, name, command, tmp_path, capsys
):
    config = tmp_path / "settings.yaml"
    shutil.copy(available()[name], config)
    owner, use = use_of(name), args[0]
    assert cli.main([*args, "--config", str(config), "--out", str(tmp_path / "out")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"--config {config} is a config for ssm-ts {owner}, not ssm-ts {use}" in err, err
    assert f"run it with ssm-ts {owner} {command} --config {config}" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("use", "given", "meant"),
    [("audio", "--data.path", "--data.root"), ("forecast", "--data.root", "--data.path")],
)
def test_where_the_data_is_under_another_uses_name_suggests_this_uses(use, given, meant, capsys):
    # audio reads a folder (--data.root), forecast and classify a file (--data.path): a user of one
    # types the other's; "is an option of ssm-ts forecast fit" alone sent them to the wrong use
    lines = parse_error_lines([use, "fit", given, "somewhere"], capsys)
    assert f"  did you mean {meant}?" in lines, lines
