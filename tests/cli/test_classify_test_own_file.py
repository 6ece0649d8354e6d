"""``ssm-ts classify test/predict --ckpt_path ... --data.test_path my.ts`` on a model fitted on a
standard data set's name (``data.path BasicMotions``, from the data home): the checkpoint's data.path
was resolved (and downloaded when missing) though only the given file is read, so away from the
data home the command failed on a network error about BasicMotions. The name is now resolved only
when the training data is read."""

from __future__ import annotations

import shutil

import pandas as pd

from ssm_ts import cli
from ssm_ts.data_fetch import ENV_DATA_HOME

CONFIG = ["--model.model", "random_features", "--model.model_options", "{n_kernels: 200, seed: 0}"]


def test_test_and_predict_on_a_file_away_from_the_data_home(data_home, shared_data, monkeypatch, tmp_path):
    fit = [
        "classify",
        "fit",
        *CONFIG,
        "--data.path",
        "BasicMotions",
        "--trainer.max_epochs",
        "1",
        "--out",
        "out",
    ]
    assert cli.main(fit) == 0
    ckpt = next((tmp_path / "out").rglob("last.ckpt"))
    own = tmp_path / "mine.ts"  # the user's own labelled recordings
    shutil.copy(shared_data / "classification" / "BasicMotions" / "BasicMotions_TEST.ts", own)
    monkeypatch.setenv(ENV_DATA_HOME, str(tmp_path / "empty-data-home"))  # another shell: no data home
    monkeypatch.setattr("urllib.request.urlopen", _no_network)
    test = ["classify", "test", "--ckpt_path", str(ckpt), "--data.test_path", str(own), "--out", "tested"]
    assert cli.main(test) == 0
    predict = [
        "classify",
        "predict",
        "--ckpt_path",
        str(ckpt),
        "--data.predict_path",
        str(own),
        "--out",
        "pred",
    ]
    assert cli.main(predict) == 0
    frame = pd.read_csv(tmp_path / "pred" / "predictions.csv")
    assert len(frame) == 40 and (frame["predicted"] == frame["label"]).mean() >= 0.9


def _no_network(*args, **kwargs):
    raise OSError("no network in this test")
