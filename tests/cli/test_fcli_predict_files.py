"""``ssm-ts forecast predict --data.path NEW.csv`` on the files a user brings after a CLI fit: a model with
known-future covariates, whose new file ends with the future rows the docs ask for, forecasts with
``--level`` as without it; a long table whose series ids differ from the fit's names the series."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import torch

from ssm_ts.cli import short_warnings
from tests.cli_runs import refused_in, run_cli_in

LOOKBACK, HORIZON = 48, 12


def refused_predict(folder: Path, csv: str, capsys) -> str:
    """``ssm-ts forecast predict --ckpt_path best --data.path CSV`` in the fit's ``folder`` (its MLflow
    store): it must exit 1; the error it printed."""
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", csv]
    return refused_in(folder, args, capsys)


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit (nlinear, 1 epoch) of ETTh1's OT on 1500 hourly rows, with the past
    covariate HUFL and the known-future covariate ``hour``, into ``out/``."""
    folder = tmp_path_factory.mktemp("fcli_predict")
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:1500]
    frame["hour"] = frame["date"].dt.hour
    frame[["date", "OT", "HUFL", "hour"]].to_csv(folder / "ett.csv", index=False)
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "ett.csv", "--data.target", "OT"]
    args += ["--data.past_covariates", "[HUFL]", "--data.future_covariates", "[hour]"]
    args += ["--trainer.max_epochs", "1", "--out", "out"]
    run_cli_in(folder, args, shared_data)
    return folder


@pytest.fixture(scope="module")
def new_csv(fitted) -> pd.DataFrame:
    """``new.csv`` in the fit's folder: 200 rows of its file, the last HORIZON holding only the
    known-future covariate (the future rows the docs ask for)."""
    new = pd.read_csv(fitted / "ett.csv").iloc[1000:1200].reset_index(drop=True)
    new.loc[new.index[-HORIZON:], ["OT", "HUFL"]] = float("nan")
    new.to_csv(fitted / "new.csv", index=False)
    return new


def test_predict_with_levels_reads_the_future_rows_of_a_new_file(fitted, new_csv, shared_data):
    """The new file ends with HORIZON rows holding only the known-future covariate: predict forecasts
    from them, and with --level it said they were missing ('append 12 rows ... (found 0)')."""
    new = new_csv
    common = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "new.csv"]
    run_cli_in(fitted, common, shared_data)
    plain = pd.read_csv(fitted / "out" / "forecast.csv")
    run_cli_in(fitted, [*common, "--level", "[80, 95]"], shared_data)
    with_levels = pd.read_csv(fitted / "out" / "forecast.csv")

    assert list(with_levels["date"]) == list(new["date"].iloc[-HORIZON:])
    assert list(with_levels["date"]) == list(plain["date"])
    assert with_levels["OT"].to_numpy() == pytest.approx(plain["OT"].to_numpy())
    assert (with_levels["OT_lo-95"] <= with_levels["OT_lo-80"]).all()
    assert (with_levels["OT_lo-80"] <= with_levels["OT"]).all()
    assert (with_levels["OT"] <= with_levels["OT_hi-80"]).all()


def test_the_checkpoint_and_file_paths_printed_are_whole_lines(fitted, new_csv, shared_data, capsys):
    """``using <checkpoint>`` and ``wrote <file>`` name paths a user copies: they were wrapped at 80
    columns, splitting ``best-epoch=0`` from ``.ckpt``."""
    out = fitted / "out"
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", str(out), "--data.path", "new.csv"]
    run_cli_in(fitted, args, shared_data)
    said = capsys.readouterr().err.splitlines()
    (best,) = out.glob("*/*/checkpoints/best-epoch=*.ckpt")
    assert len(f"using {best}") > 80
    assert f"using {best}" in said
    assert f"wrote {out / 'forecast.csv'}" in said


@pytest.fixture(scope="module")
def fitted_long(shared_data, tmp_path_factory) -> Path:
    """A folder with a CLI fit (nlinear, 1 epoch) on a long table (``unique_id, ds, y``) of three
    ETTh1 series, 1500 hourly rows each, into ``out/``."""
    folder = tmp_path_factory.mktemp("fcli_predict_long")
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:1500]
    long = frame.melt(id_vars="date", value_vars=["OT", "HUFL", "MUFL"], var_name="unique_id")
    long.rename(columns={"date": "ds", "value": "y"})[["unique_id", "ds", "y"]].to_csv(
        folder / "long.csv", index=False
    )
    args = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", str(LOOKBACK)]
    args += ["--model.horizon", str(HORIZON), "--data.path", "long.csv", "--trainer.max_epochs", "1"]
    args += ["--data.batch_size", "64"]  # restored by predict from the checkpoint
    run_cli_in(folder, [*args, "--out", "out"], shared_data)
    return folder


def test_series_missing_from_a_long_file_are_named_as_series(fitted_long, shared_data, capsys):
    """A long file whose ids differ from the fit's: the error spoke of a missing 'column' of the
    pivoted table, and its hint proposed --data.batch_size, which the checkpoint restored. (A file of
    some of the fitted series is forecast for those, as Forecaster.predict does: none of them here.)"""
    long = pd.read_csv(fitted_long / "long.csv")
    long.assign(unique_id=long["unique_id"] + "2").to_csv(fitted_long / "new.csv", index=False)
    err = refused_predict(fitted_long, "new.csv", capsys)
    assert "series ['HUFL', 'MUFL', 'OT'] not found in new.csv" in err
    assert "its series are ['OT2', 'HUFL2', 'MUFL2']" in err
    assert "give rows of each" in err
    assert "batch_size" not in err


def test_predict_reads_a_new_file_as_input_without_training_warnings(fitted, new_csv, shared_data):
    """As a user runs it (a process, Python's own warning display). The new file's trailing
    future-covariate rows are predict's documented input, but Lightning gave the data module the
    checkpoint's spec only after a first read as training data, which warned that they are "left out of
    training", with the ssm-ts file and line that raised it and its source (``load_series(``)."""
    args = ["forecast", "predict", "--ckpt_path", "best", "--out", "out", "--data.path", "new.csv"]
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{fitted / 'mlflow.db'}", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "ssm_ts", *args],
        cwd=fitted,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower() and "left out of training" not in done.stderr
    assert ".py:" not in done.stderr and "load_series(" not in done.stderr


def test_cli_warnings_print_as_one_line_without_their_source():
    """Python's display (``warnings.formatwarning``) named the ssm-ts file and line under each warning;
    the CLI prints ``ssm-ts forecast: warning: <message>`` for ssm-ts's own (``--verbose`` keeps Python's
    form), and other libraries' warnings keep their category and source."""
    import ssm_ts.pipelines.forecasting.series as series

    message, torch_file = (
        "the last 12 rows are future rows",
        str(Path(torch.__file__).parent / "nn" / "modules.py"),
    )
    with short_warnings("forecast", verbose=False):
        short = warnings.formatwarning(message, UserWarning, series.__file__, 924)
        other = warnings.formatwarning(message, UserWarning, torch_file, 7)
    with short_warnings("forecast", verbose=True):
        verbose = warnings.formatwarning(message, UserWarning, series.__file__, 924)
    assert short == f"ssm-ts forecast: warning: {message}\n"
    assert "series.py:924" in verbose and "UserWarning" in verbose
    assert "modules.py:7" in other and "UserWarning" in other
    assert warnings.formatwarning(message, UserWarning, series.__file__, 924) == verbose  # restored after


def test_a_file_at_another_frequency_is_named_as_such(fitted, new_csv, capsys):
    """Every other hour of the hourly model's data: the error spoke of 99 gaps to fill."""
    new_csv.iloc[::2].to_csv(fitted / "every_2h.csv", index=False)
    err = refused_predict(fitted, "every_2h.csv", capsys)
    assert "every_2h.csv: its rows are '2h' apart, not 'h'" in err
    assert "pass rows on the 'h' grid the model was fitted at" in err
