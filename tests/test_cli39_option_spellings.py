"""The errors of ``ssm-ts USE COMMAND`` give their fixes as the command's options: the
pipelines word them as Python arguments (``pass freq='h'``, ``level=[80, 95]``, ``label_col=None``,
``class_weight='balanced'``), which a command's user cannot pass. Each command runs in-process on tiny
data; the Python API's own messages stay as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError

QUIET = ["--trainer.max_epochs", "1", "--trainer.enable_progress_bar", "false", "--trainer.logger", "false"]
FORECAST = ["--model.model", "nlinear", "--model.lookback", "16", "--model.horizon", "4", *QUIET,
            "--trainer.limit_train_batches", "2", "--trainer.limit_val_batches", "1"]  # fmt: skip
CLASSIFY = ["--model.model", "s4d1d", "--model.model_options", "{d_model: 4, n_layers: 1, d_state: 4}",
            "--data.batch_size", "4", *QUIET]  # fmt: skip


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What ``ssm-ts ARGS`` printed on stderr, asserted to exit 1."""
    assert cli.main(args) == 1
    return capsys.readouterr().err


@pytest.fixture
def ett_csv(shared_data, tmp_path, monkeypatch, single_thread) -> str:
    """400 hourly rows of ETTh1 (date, HUFL, OT) as ett.csv in the test's working folder."""
    monkeypatch.chdir(tmp_path)
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=400, usecols=["date", "HUFL", "OT"])
    ett.to_csv("ett.csv", index=False)
    return "ett.csv"


@pytest.fixture
def stream_csv(tmp_path, monkeypatch, single_thread) -> str:
    """A stream of 200 rows (time, two channels, an activity, a subject) as stream.csv in the test's folder."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    pd.DataFrame({"time": np.arange(200) * 0.1, "a": rng.normal(size=200), "b": rng.normal(size=200),
                  "activity": np.repeat(["walk", "run", "sit", "walk"], 50),
                  "subject": np.repeat([1, 2, 3, 4], 50)}).to_csv("stream.csv", index=False)  # fmt: skip
    return "stream.csv"


def test_forecast_fit_names_the_data_options(ett_csv, capsys):
    fit = ["forecast", "fit", "--data.path", ett_csv, "--data.target", "OT", *FORECAST, "--out", "out"]
    err = refused([*fit, "--data.freq", "W-TUE"], capsys)
    assert "they lie on the 'h' grid: pass --data.freq h, or" in err and "freq='h'" not in err
    assert "df.resample('W-TUE', on='date')" in err  # Python code in the message stays Python
    err = refused([*fit, "--data.past_covariates", "[NOPE]"], capsys)
    assert "(--data.target, --data.past_covariates, --data.future_covariates)" in err and "target=" not in err


def test_forecast_fit_gives_a_read_option_once_with_its_aside(tmp_path, monkeypatch, capsys):
    """A message that gave both spellings, "read_options={'dayfirst': True} (or False; CLI: --data.read_options
    '{dayfirst: true}')", gives the command's alone, its aside as YAML writes it."""
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2020-01-01", periods=10, freq="D").strftime("%d/%m/%Y")  # 02/01: either order
    pd.DataFrame({"date": days, "y": np.arange(10.0)}).to_csv("days.csv", index=False)
    err = refused(["forecast", "fit", "--data.path", "days.csv", *FORECAST, "--out", "out"], capsys)
    assert "for a CSV pass the order, --data.read_options '{dayfirst: true}' (or false), or the format" in err
    assert "CLI:" not in err and "read_options=" not in err


def test_forecast_fit_says_a_flag_once(tmp_path, monkeypatch, capsys):
    """ "Pass --data.target / target= with some of ..." named the one option twice, once in Python."""
    monkeypatch.chdir(tmp_path)
    days = pd.date_range("2020-01-01", periods=60, freq="D")
    pd.concat([pd.DataFrame({"unique_id": u, "ds": days, "y": np.arange(60.0)}) for u in "ab"]).to_csv(
        "long.csv", index=False
    )
    err = refused(["forecast", "fit", "--data.path", "long.csv", "--data.target", "NOPE", *FORECAST], capsys)
    assert "Pass --data.target with some of ['a', 'b'], or leave it out" in err and "target=" not in err


def test_a_path_that_looks_like_a_keyword_stays_a_path(ett_csv, capsys):
    """A sweep's folder ``lr=0.01`` in a message is the user's path, not ``--model.lr 0.01``."""
    Path("lr=0.01").mkdir()
    Path(ett_csv).rename("lr=0.01/ett.csv")
    fit = ["forecast", "fit", "--data.target", "NOPE", *FORECAST, "--out", "lr=0.01"]
    err = refused([*fit, "--data.path", "lr=0.01/ett.csv"], capsys)
    assert "not found in lr=0.01/ett.csv; columns are" in err and "--model.lr" not in err
    err = refused(["forecast", "fit", "--ckpt_path", "last", "--out", "lr=0.01"], capsys)
    assert "no last.ckpt under lr=0.01" in err and "--model.lr" not in err


def test_forecast_predict_names_level_and_interval_method(ett_csv, capsys):
    fit = ["forecast", "fit", "--data.path", ett_csv, "--data.target", "OT", *FORECAST, "--out", "out"]
    assert cli.main(fit) == 0
    predict = ["forecast", "predict", "--ckpt_path", "out/checkpoints/last.ckpt", "--data.path", ett_csv,
               "--trainer.logger", "false", "--out", "out"]  # fmt: skip
    capsys.readouterr()
    err = refused([*predict, "--level", "[80, 150]"], capsys)
    assert 'error: --level "[80.0, 150.0]": 150.0 is not a coverage' in err
    assert 'give e.g. --level "[80, 95]" for 80%' in err and "level=" not in err
    err = refused([*predict, "--level", "80", "--interval_method", "cqr"], capsys)
    assert "error: --interval_method cqr widens" in err
    assert 'use --interval_method residual, or refit with e.g. --model.quantiles "[0.1, 0.9]"' in err
    # Forecaster.predict's user still reads the keywords
    from ssm_ts.api.conformal_checks import check_levels

    with pytest.raises(ConfigError, match=r"give e\.g\. level=\[80, 95\]"):
        check_levels([80, 150])


def test_classify_fit_names_the_stream_columns(stream_csv, capsys):
    fit = ["classify", "fit", "--data.path", stream_csv, "--data.window", "10", *CLASSIFY, "--out", "out"]
    err = refused([*fit, "--data.label_col", "NOPE"], capsys)
    assert "Name the label column: --data.label_col <its name>. For a stream to classify, pass " in err
    assert "--data.label_col null." in err and "label_col=" not in err
    err = refused([*fit, "--data.label_col", "activity", "--data.time_col", "NOPE"], capsys)
    assert "or pass --data.time_col null (the rows' order)" in err
    err = refused([*fit, "--data.label_col", "activity", "--model.class_weight", "{z: 2}"], capsys)
    assert 'give every class a weight (--model.class_weight "{run: 1, sit: 1, walk: 1, z: 2.0}";' in err
    assert "or use --model.class_weight balanced." in err and "class_weight=" not in err


def test_classify_fit_gives_the_command_s_spelling_once(tmp_path, monkeypatch, capsys):
    """ "val_fraction=0 (ssm-ts classify: --data.val_fraction 0)": the command's alone."""
    monkeypatch.chdir(tmp_path)
    labels = ["x"] * 5 + ["y"] * 5 + ["z"]  # z: one recording, none to validate on
    pd.DataFrame({"id": np.repeat(range(11), 20), "t": np.tile(range(20), 11), "a": np.arange(220.0),
                  "label": np.repeat(labels, 20)}).to_csv("rare.csv", index=False)  # fmt: skip
    err = refused(["classify", "fit", "--data.path", "rare.csv", *CLASSIFY, "--out", "out"], capsys)
    assert "leave that class out, or use --data.val_fraction 0 to train on every recording" in err
    assert "val_fraction=" not in err and "(ssm-ts classify:" not in err


def test_classify_fit_drops_a_restatement_of_what_it_said(tmp_path, monkeypatch, capsys):
    """ "nan_policy='interpolate' (linear in time) or 'zero' (ssm-ts classify: --data.nan_policy interpolate)"
    named the option twice once translated: the restatement goes."""
    monkeypatch.chdir(tmp_path)
    values = np.arange(240.0)
    values[65] = np.nan  # recording 3, time step 5
    pd.DataFrame({"id": np.repeat(range(12), 20), "t": np.tile(range(20), 12), "a": values,
                  "label": np.repeat(["x", "y"] * 6, 20)}).to_csv("gap.csv", index=False)  # fmt: skip
    err = refused(["classify", "fit", "--data.path", "gap.csv", *CLASSIFY, "--out", "out"], capsys)
    assert "choose --data.nan_policy interpolate (linear in time) or 'zero', or clean the data" in err
    assert "(ssm-ts classify:" not in err


def test_audio_fit_gives_the_command_s_spelling_once(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "few").mkdir()
    (tmp_path / "few" / "a.flac").write_bytes(
        (shared_data / "audio" / "fsdd" / "0_george_0.flac").read_bytes()
    )
    tiny = ["--model.d_model", "4", "--model.n_layers", "1", "--model.sample_every_n_epochs", "0"]
    err = refused(["audio", "fit", "--data.root", "few", "--data.extensions", "[mp9]", *tiny, *QUIET], capsys)
    assert ".flac files are read with --data.extensions '[.flac]'" in err
    assert "extensions=(" not in err and "(CLI:" not in err


def test_placeholders_keep_their_shape_and_code_stays_python():
    """``future_covariates=[...]`` read ``--data.future_covariates "[Ellipsis]"``; a pandas recipe's own
    keywords (``freq='h'`` in ``pd.date_range``) are Python code, not the command's options."""
    from ssm_ts.cli.option_spelling import command_spelling

    said = command_spelling(
        "fitted without any (fit(..., future_covariates=[...])): leave it out", "forecast"
    )
    assert said == 'fitted without any (--data.future_covariates "[...]"): leave it out'
    recipe = "futr = pd.DataFrame({'date': pd.date_range('2016-07-17', periods=4, freq='h')}); pass freq='h'"
    assert command_spelling(recipe, "forecast") == recipe.replace("pass freq='h'", "pass --data.freq h")


def test_a_use_of_its_own_spells_its_options_too(monkeypatch):
    """A use beside the three (a plug-in's, the tests' line) took a KeyError where a use's linked settings
    are looked up; its data module's keywords are its --data options."""
    from ssm_ts.cli.option_spelling import command_spelling, use_options

    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)
    use_options.cache_clear()
    try:
        assert command_spelling("too steep: pass slope=0.5", "line") == "too steep: pass --data.slope 0.5"
    finally:
        use_options.cache_clear()
