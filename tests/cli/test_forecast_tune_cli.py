"""``ssm-ts forecast tune``: the shipped CO2 search config run in-process on the real CO2 record, its
outputs (trials.csv, export/, forecast.csv) agree with the Optuna study, and bad input is one line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.api import tuning
from ssm_ts.api.tune_cli import flat_space
from ssm_ts.datasets import write_co2_csv

# the shipped config, made tiny: 2 trials of one short epoch
TINY = ["--n_trials", "2", "--model.max_epochs", "1", "--model.trainer_options", "{limit_train_batches: 3}"]


def error_line(err: str, command: str = "ssm-ts forecast tune") -> str:
    """The one ``<command>: error: ...`` line of ``err`` (after the shipped-config notice)."""
    (line,) = [line for line in err.splitlines() if line.startswith(f"{command}: error: ")]
    return line


@pytest.fixture
def co2(data_home):
    write_co2_csv(data_home / "co2.csv")  # the config's data.path, in the working directory
    return data_home


@pytest.fixture
def tune_results(monkeypatch) -> list[tuning.TuningResult]:
    """Every result of ``tune_forecaster`` the CLI runs while the test runs (the real search, spied on)."""
    found: list[tuning.TuningResult] = []
    tune_forecaster = tuning.tune_forecaster

    def spy(*args, **kwargs):
        found.append(tune_forecaster(*args, **kwargs))
        return found[-1]

    monkeypatch.setattr(tuning, "tune_forecaster", spy)
    return found


def tiny_tune_args(folder) -> list[str]:
    """``ssm-ts forecast tune`` of the shipped CO2 config made tiny, into ``out``, logged to MLflow in
    ``folder``; a test adds ``--n_trials`` or a space to it."""
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    return ["forecast", "tune", "--config", "forecast_co2_tune", *TINY, "--out", "out", "--tracking_uri", uri]


def test_tune_writes_the_best_models_outputs_and_prints_the_studys_best(co2, tune_results, capsys):
    found, args = tune_results, tiny_tune_args(co2)
    assert cli.main(args) == 0
    (result,) = found
    captured = capsys.readouterr()
    out, printed = co2 / "out", captured.out
    # whole lines however long (rich wrapped them at 80 columns, splitting run ids and paths)
    assert f"search run {result.run_id}, best trial run {result.best.run_id_}" in captured.err
    assert "\nwrote out/trials.csv\n" in captured.err

    study_best = result.study.best_trial
    assert result.best_params == study_best.user_attrs["values"]
    for name, value in result.best_params.items():  # lr, lookback, model_options.d_model
        assert f"best {name}: {value!r}" in printed
    assert set(result.best_params) == {"lr", "lookback", "model_options.d_model"}

    trials = pd.read_csv(out / "trials.csv")
    assert list(trials["state"]) == ["COMPLETE", "COMPLETE"] and list(trials["trial"]) == [0, 1]
    best_row = trials.loc[trials["val_loss"].idxmin()]
    assert best_row["trial"] == study_best.number
    assert best_row["val_loss"] == pytest.approx(study_best.value)
    assert best_row["lr"] == pytest.approx(result.best_params["lr"])

    loaded = Forecaster.load(out / "export")  # the best model, as Forecaster.save writes it
    assert loaded.settings["lr"] == pytest.approx(result.best_params["lr"])
    assert loaded.settings["lookback"] == result.best_params["lookback"]
    assert loaded.settings["model_options"]["d_model"] == result.best_params["model_options.d_model"]
    assert loaded.settings["model_options"]["n_layers"] == 1  # the config's fixed setting kept
    forecast = pd.read_csv(out / "forecast.csv")
    assert len(forecast) == 26 and forecast["co2"].notna().all()  # the config's horizon, half a year
    expected = loaded.predict()
    assert forecast["co2"].tolist() == pytest.approx(expected["co2"].tolist(), rel=1e-5)
    assert (out / "forecast.png").stat().st_size > 0
    assert (out / f"trial-{study_best.number}").is_dir()  # each trial's checkpoints under --out


def test_a_misspelt_space_name_is_one_line_with_the_close_match(co2, capsys):
    args = ["forecast", "tune", "--config", "forecast_co2_tune", "--space.model_options.d_modle", "[8, 16]"]
    assert cli.main([*args, "--out", "out"]) == 1
    err = error_line(capsys.readouterr().err)
    assert err.startswith("ssm-ts forecast tune: error: search space name 'model_options.d_modle'")
    assert "did you mean 'd_model'?" in err and "Traceback" not in err
    assert not (co2 / "out").exists()  # refused before any trial


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--model.experiment", "x"], "model.experiment: the search sets it itself; use --experiment"),
        (["--model.lookbak", "52"], "unknown setting 'lookbak'; did you mean 'lookback'?"),
        (["--data.path", "ETTh2x"], "data.path ETTh2x: no such file or folder"),
        (["--space", "{}"], "the search space is empty"),
        (["--sampler", "grid"], "sampler='grid' needs a list of choices for every name; lr is a range"),
    ],
)
def test_bad_settings_are_refused_before_any_trial(co2, capsys, extra, message):
    assert cli.main(["forecast", "tune", "--config", "forecast_co2_tune", *extra, "--out", "out"]) == 1
    err = error_line(capsys.readouterr().err)
    assert message in err, err
    assert not (co2 / "out").exists()


def test_out_that_is_a_file_is_refused_before_the_search(co2, capsys):
    (co2 / "taken").write_text("not a folder")
    assert cli.main(["forecast", "tune", "--config", "forecast_co2_tune", "--out", "taken"]) == 1
    assert "--out taken is a file, not a folder" in capsys.readouterr().err


def test_ctrl_c_says_what_is_kept_and_how_to_continue(co2, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tuning, "tune_forecaster", interrupted)
    assert cli.main(["forecast", "tune", "--config", "forecast_co2_tune", "--out", "out"]) == 130
    err = capsys.readouterr().err
    assert (
        "ssm-ts forecast tune: interrupted; the finished trials are in out/trials.csv and the study " in err
    )
    assert f"'forecast-tune' in sqlite:///{(co2 / 'out' / 'optuna.db').as_posix()}" in err
    assert "Run the same command again to continue the search" in err


def test_the_same_command_again_continues_the_search_in_out(co2, tune_results, capsys):
    found, args = tune_results, tiny_tune_args(co2)
    assert cli.main([*args, "--n_trials", "1"]) == 0
    assert (co2 / "out" / "optuna.db").is_file()  # the study, kept in --out by default
    capsys.readouterr()
    assert cli.main([*args, "--n_trials", "2"]) == 0  # one more trial: 2 in all
    first, second = found
    assert second.earlier_trials == 1 and second.run_id == first.run_id
    assert pd.read_csv(co2 / "out" / "trials.csv")["trial"].tolist() == [0, 1]
    assert "continued the study 'forecast-tune' in sqlite:///" in capsys.readouterr().err
    # another space in the same --out is refused, naming the difference and the fix
    assert cli.main([*args, "--space.lookback", "[52]"]) == 1
    err = error_line(capsys.readouterr().err)
    assert "lookback: choices [52, 104] then, choices [52] now" in err and "--study_name" in err


def test_nested_space_names_flatten_to_tune_forecasters_names():
    space = {"model_options": {"d_model": [8, 16]}, "trainer_options": {"choices": [{}, {"a": 1}]}, "lr": [1]}
    assert flat_space(space) == {"model_options.d_model": [8, 16], "trainer_options": {"choices": [{}, {"a": 1}]},
                                 "lr": [1]}  # fmt: skip


def test_help_lists_the_options_and_forecast_help_names_tune(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["forecast", "tune", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: ssm-ts forecast tune")
    assert all(f"--{key}" in out for key in ("data.path", "model", "space", "n_trials", "sampler", "out"))
    with pytest.raises(SystemExit):
        cli.main(["forecast", "--help"])
    assert "{fit,validate,test,predict,tune}" in capsys.readouterr().out
    # the help answers without Lightning or torch (a fresh interpreter: this one has them loaded)
    probe = (
        "import sys; from ssm_ts import cli\n"
        "try: cli.main(['forecast', 'tune', '--help'])\n"
        "except SystemExit as e: assert e.code == 0\n"
        "loaded = sorted(m for m in ('lightning', 'torch', 'mlflow', 'optuna') if m in sys.modules)\n"
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", probe], check=True, cwd=tmp_path, capture_output=True)


def test_fit_with_a_search_config_names_the_tune_command(co2, capsys):
    # jsonargparse said "Subcommand 'fit' does not accept option 'space.lr.low'"
    assert cli.main(["forecast", "fit", "--config", "forecast_co2_tune"]) == 1
    err = error_line(capsys.readouterr().err, "ssm-ts forecast fit")
    assert "is a hyperparameter search config" in err
    assert "ssm-ts forecast tune --config" in err
