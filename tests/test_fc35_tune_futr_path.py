"""``ssm-ts forecast tune --futr_path future.csv``: the known-future covariates of the forecast steps in a
table of their own, as ``ssm-ts forecast predict --futr_path`` takes them, so the search's best model
writes ``forecast.csv`` (the forecast ``Forecaster.load(<out>/export).predict(futr_df=...)`` makes) when
the data ends without their rows. A missing file, or a search without known-future covariates, is refused
before any trial; a file the forecast cannot read is an error after the search is saved. The note of a
search without it names the same command with ``--futr_path``. Before, tune had no such option
("unrecognized arguments: --futr_path") and skipped ``forecast.csv``."""

from __future__ import annotations

import re
import shlex

import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from tests.hour_of_day_files import write_hour_of_day_files

HORIZON, ROWS = 6, 120
MODEL = (
    "{model: nlinear, lookback: 12, horizon: %d, max_epochs: 1, trainer_options: {limit_train_batches: 2}}"
)


@pytest.fixture
def files(shared_data, tmp_path, monkeypatch, single_thread):
    """In the working folder: ``train.csv`` (ETTh1's OT and the hour of day, ROWS rows, none after them),
    ``future.csv`` (the hours of the HORIZON steps after them) and ``short.csv`` (the first 2 of them)."""
    monkeypatch.chdir(tmp_path)
    write_hour_of_day_files(shared_data, ROWS, HORIZON)
    return tmp_path


def _search(files, *more: str) -> list[str]:
    args = ["forecast", "tune", "--data.path", "train.csv", "--data.target", "OT"]
    args += ["--data.future_covariates", "[hour]", "--model", MODEL % HORIZON, "--space", "{lr: [0.001]}"]
    return [
        *args,
        "--n_trials",
        "1",
        "--out",
        "out",
        "--tracking_uri",
        f"sqlite:///{files / 'tune.db'}",
        *more,
    ]


def test_tune_writes_the_best_models_forecast_of_futr_path(files, capsys):
    # a file the forecast cannot read: the search is saved, then the error names the file and the fix
    assert cli.main(_search(files, "--futr_path", "short.csv")) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert (files / "out" / "trials.csv").is_file() and (files / "out" / "export").is_dir()
    assert not (files / "out" / "forecast.csv").exists()
    assert "the search is saved; fix --futr_path short.csv (below) and run the same command again" in said
    assert "short.csv has 2 rows after train.csv's last observation" in said, said

    assert cli.main(_search(files, "--futr_path", "future.csv")) == 0  # continued: no trial runs again
    said = " ".join(capsys.readouterr().err.split())
    assert "1 trials from earlier runs" in said and "skipped" not in said
    written = pd.read_csv(files / "out" / "forecast.csv", parse_dates=["date"])
    python = Forecaster.load("out/export").predict(futr_df="future.csv")
    assert len(written) == HORIZON and (files / "out" / "forecast.png").stat().st_size > 0
    pd.testing.assert_frame_equal(written, python.reset_index(drop=True), check_dtype=False)

    # without it, the note names this command with --futr_path: the one just run, continued as above
    (files / "out" / "forecast.csv").unlink()
    assert cli.main(_search(files)) == 0
    said = " ".join(capsys.readouterr().err.split())
    (command,) = re.findall(r"ssm-ts (forecast tune .*? --futr_path future\.csv) \(its finished trials", said)
    assert shlex.split(command) == _search(files, "--futr_path", "future.csv")
    assert not (files / "out" / "forecast.csv").exists()


@pytest.mark.parametrize(
    ("more", "said"),
    [
        (["--futr_path", "nowhere.csv"], "--futr_path nowhere.csv: no such file (a relative path is read from"),
        (["--data.future_covariates", "null", "--futr_path", "future.csv"],
         "--futr_path future.csv gives known-future covariates, and this model was fitted without any "
         "(--data.future_covariates): leave --futr_path out."),
    ],
)  # fmt: skip
def test_a_futr_path_that_cannot_serve_is_refused_before_the_search(files, capsys, more, said):
    assert cli.main(_search(files, *more)) == 1
    assert said in " ".join(capsys.readouterr().err.split())
    assert not (files / "out").exists()  # no trial ran
