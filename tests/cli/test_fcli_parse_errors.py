"""What ``ssm-ts forecast`` says to a misspelt option, a wrong type or a predict option given to fit, and
what its ``--help`` shows first. A parse error printed jsonargparse's whole usage (80 lines, the 40
``--trainer`` options first) above the one line that mattered; a union type's error listed its subtypes
and "Given value type: <class 'str'>"; ``--level`` on fit was accepted and did nothing."""

from __future__ import annotations

import pytest

from ssm_ts import cli


def parse_error(args: list[str], capsys) -> list[str]:
    """The lines ``ssm-ts ARGS`` writes to stderr when it exits 2 (a parse error)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--data.lookbak", "10"], "did you mean --model.lookback?"),  # a link's target: set on the model
        (["--data.pth", "x.csv"], "did you mean --data.path?"),
        (["--data.lr", "0.1"], "did you mean --model.lr?"),  # the right key in the other group
        (["--model.lookback", "ten"], "error: --model.lookback takes a whole number; got 'ten'"),
        (["--model.quantiles", "0.9"], "error: --model.quantiles takes a list ([a, b]) or null; got '0.9'"),
        (
            ["--data.fill", "linear"],
            "error: --data.fill takes one of ffill, interpolate or null; got 'linear'",
        ),
    ],
)
def test_a_parse_error_fits_on_a_screen_and_names_the_fix(args, said, capsys):
    lines = parse_error(["forecast", "fit", *args], capsys)
    assert lines[0].startswith("ssm-ts forecast fit: error: ")
    assert said in "\n".join(lines)
    assert len(lines) <= 15
    assert not any("--trainer.accelerator" in line for line in lines)
    assert lines[-1] == "ssm-ts forecast fit --help lists every option"


def test_a_misspelt_key_in_a_config_file_gets_the_same_hint(tmp_path, capsys):
    typo = tmp_path / "typo.yaml"
    typo.write_text("model:\n  lookback: 96\ndata:\n  pth: co2.csv\n")
    lines = parse_error(["forecast", "fit", "--config", str(typo)], capsys)
    assert "does not accept option 'data.pth'" in lines[0] and "  did you mean --data.path?" in lines
    assert len(lines) <= 15


def test_a_misspelt_command_is_named(capsys):
    lines = parse_error(["forecast", "fti"], capsys)
    assert "unknown command 'fti'" in lines[0] and "  did you mean fit?" in lines


@pytest.mark.parametrize("command", ["fit", "test"])
def test_predict_options_on_another_command_are_refused(command, capsys):
    assert cli.main(["forecast", command, "--level", "80", "--data.path", "co2.csv"]) == 1
    err = capsys.readouterr().err
    assert f"--level: an option of ssm-ts forecast predict, not of {command}" in err


def test_help_shows_what_the_command_does_and_the_model_and_data_options_before_the_trainer(capsys):
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: ssm-ts forecast [options] fit [--config FILE] [--model.KEY VALUE]")
    assert "Fit the model on the data into --out" in out[:600]
    assert out.index("--model.lookback") < out.index("--data.path") < out.index("--trainer.accelerator")
    assert "--level" not in out  # predict's own
    with pytest.raises(SystemExit):
        cli.main(["forecast", "predict", "--help"])
    assert "--level LEVEL" in capsys.readouterr().out


def test_print_config_round_trips(tmp_path, capsys):
    """``fit --print_config > c.yaml; fit --config c.yaml`` resolves the same config."""
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", "--config", "forecast_co2_quick", "--print_config"])
    printed = capsys.readouterr().out
    (tmp_path / "c.yaml").write_text(printed)
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", "--config", str(tmp_path / "c.yaml"), "--print_config"])
    assert capsys.readouterr().out == printed
    assert "lookback: 104" in printed and "fill: interpolate" in printed
