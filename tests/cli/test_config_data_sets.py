"""The shipped configs name standard data sets (``BasicMotions``, ``ETTh1``, ``espeak-digits``, ``fsdd``)
that resolve through the data home ($SSM_TS_DATA_HOME), so they run from any folder without --data.path;
an unknown name is one clear error. ``predict --ckpt_path`` alone reuses the fit's data settings.

Nothing here downloads: the data home is the shared test data, and a download attempt fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from ssm_ts import cli
from ssm_ts.data_fetch import ENV_DATA_HOME

REPO = Path(__file__).resolve().parents[2]
# configs that name a file the user writes, not a standard data set: why
FILE_CONFIGS = {
    "forecast_co2_quick": "co2.csv, written by `python -m ssm_ts.datasets co2 co2.csv`",
    "forecast_co2_tune": "the same co2.csv, searched by `ssm-ts forecast tune`",
}
DATA_CONFIGS = sorted(p for p in (REPO / "configs").glob("*.yaml") if p.stem not in FILE_CONFIGS)
SETTING = {"forecast": "path", "classify": "path", "audio": "root"}


def _no_download(url):
    raise AssertionError(f"a test tried to download {url}")


@pytest.fixture
def data_home_only(shared_data, tmp_path, monkeypatch):
    """An empty working folder, the shared data as the data home, and no downloads."""
    workdir = tmp_path / "empty"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    monkeypatch.setattr("ssm_ts.data_fetch._download", _no_download)
    return workdir


@pytest.mark.parametrize("config", DATA_CONFIGS, ids=lambda path: path.stem)
def test_shipped_config_names_a_data_set_its_data_module_finds_in_the_data_home(config, data_home_only):
    use = config.stem.split("_", 1)[0]
    data = yaml.safe_load(config.read_text())["data"]
    value = data[SETTING[use]]
    assert "/" not in value and "." not in value, f"{config.name}: name a standard data set, not {value!r}"
    module = cli._load(cli.USES[use].datamodule)(**data)
    found = Path(getattr(module, SETTING[use]))
    assert found.is_absolute() and found.exists(), found
    assert found.name.startswith(value), found  # ETTh1 -> ETTh1.csv, BasicMotions -> BasicMotions/


def test_random_features_config_fits_and_predicts_from_an_empty_folder(data_home_only, capsys):
    """No --data.path anywhere: the fit reads BasicMotions from the data home; predict, given only the
    checkpoint, takes the fit's data settings from it and classifies the TEST split."""
    out = data_home_only / "out"
    assert (
        cli.main(["classify", "fit", "--config", "classify_basicmotions_random_features", "--out", "out"])
        == 0
    )
    assert cli.main(["classify", "predict", "--ckpt_path", "best", "--out", "out"]) == 0, (
        capsys.readouterr().err
    )
    predictions = pd.read_csv(out / "predictions.csv")
    assert len(predictions) == 40 and (predictions["predicted"] == predictions["label"]).mean() >= 0.9


@pytest.mark.parametrize(
    ("use", "config", "option", "name", "listed"),
    [
        (
            "classify",
            "classify_basicmotions_quick",
            "--data.path",
            "BasicMotion",
            "BasicMotions, fsdd, GunPoint",
        ),
        ("forecast", "forecast_etth1", "--data.path", "ETTh3", "ETTh1, ETTm1, exchange_rate"),
        ("audio", "audio_digits_quick", "--data.root", "digits", "espeak-digits, fsdd"),
    ],
)
def test_unknown_data_set_name_is_one_error_listing_the_known_ones(
    use, config, option, name, listed, data_home_only, capsys
):
    assert cli.main([use, "fit", "--config", config, option, name]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"ssm-ts {use} fit: error: {option[2:]} {name}: no such file or folder" in err, err
    assert "not a standard data set" in err and listed in err and ENV_DATA_HOME in err, err
    assert f"{option[2:]} ./{name}" in err  # how to pass a file of that name


def test_data_set_missing_from_the_data_home_says_where_to_put_it(tmp_path, monkeypatch, capsys):
    """espeak-digits has no download: the error names the folder, the data home setting and the way out."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(tmp_path / "home"))
    assert cli.main(["audio", "fit", "--config", "audio_digits_quick"]) == 1
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "data.root espeak-digits names the standard data set espeak-digits" in err, err
    assert str(tmp_path / "home" / "audio" / "espeak-digits") in err and ENV_DATA_HOME in err, err
    assert "pass your own data's path: data.root path/to/data" in err, err


def test_audio_test_with_only_a_checkpoint_takes_the_folder_from_it(data_home_only, capsys, single_thread):
    """data.root is required to fit, but `audio test --ckpt_path` finds it (espeak-digits) in the checkpoint."""
    few = [
        "--trainer.max_epochs",
        "1",
        "--trainer.limit_train_batches",
        "1",
        "--trainer.limit_val_batches",
        "1",
    ]
    # few short clips: data.root, what this checks, is the config's
    few += ["--data.max_files_per_split", "8", "--data.clip_seconds", "0.125", "--data.batch_size", "8"]
    fit = ["audio", "fit", "--config", "audio_digits_quick", "--model.sample_every_n_epochs", "0", *few]
    assert cli.main([*fit, "--out", "out"]) == 0
    test = ["audio", "test", "--ckpt_path", "best", "--trainer.limit_test_batches", "1", "--out", "out"]
    assert cli.main(test) == 0, capsys.readouterr().err
    assert (
        yaml.safe_load((data_home_only / "out" / "config.yaml").read_text())["data"]["root"]
        == "espeak-digits"
    )
    assert cli.main(["audio", "fit", "--out", "out"]) == 1
    assert "no audio folder: set data.root" in capsys.readouterr().err
