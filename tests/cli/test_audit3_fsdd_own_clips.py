"""A model fitted on FSDD (``--data.format fsdd``) classifies the user's own clips: ``classify predict
--data.predict_path`` takes an audio file or a folder of them, named anyhow, and ``classify test
--data.test_path`` scores a folder of FSDD-named clips. Predict refused any file ("format 'fsdd' reads a
folder split by index; pass the folder as data.path", which then wanted FSDD names and classified only
clips of index 0-4), and test ignored ``--data.test_path`` and scored the fit folder's test split."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf

from ssm_ts import cli

SPEAKERS, DIGITS = ("george", "jackson"), ("0", "1")


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory) -> tuple[Path, Path]:
    """``(last.ckpt, FSDD folder)`` of random features fitted on digits 0 and 1 of two speakers (20
    training clips, index 5-9; index 0-4 is the folder's test split)."""
    folder = tmp_path_factory.mktemp("fsdd_fit")
    fsdd = folder / "fsdd"
    fsdd.mkdir()
    for digit in DIGITS:
        for speaker in SPEAKERS:
            for index in range(10):
                name = f"{digit}_{speaker}_{index}.flac"
                shutil.copy(shared_data / "audio" / "fsdd" / name, fsdd / name)
    fit = [
        "classify", "fit", "--data.format", "fsdd", "--data.path", str(fsdd), "--model.model", "random_features",
        "--model.model_options", "{n_kernels: 50, seed: 0}", "--trainer.max_epochs", "1",
        "--trainer.logger", "false", "--trainer.enable_progress_bar", "false", "--out", str(folder / "out"),
    ]  # fmt: skip
    assert cli.main(fit) == 0
    return next((folder / "out").rglob("last.ckpt")), fsdd


def predicted(ckpt: Path, path: Path) -> pd.DataFrame:
    args = [
        "classify",
        "predict",
        "--ckpt_path",
        str(ckpt),
        "--data.predict_path",
        str(path),
        "--out",
        "pred",
    ]
    assert cli.main(args) == 0
    return pd.read_csv(Path("pred") / "predictions.csv", dtype={"predicted": str})


def test_predict_classifies_a_folder_of_own_takes(fitted, in_tmp, shared_data):
    ckpt, _ = fitted
    takes = in_tmp / "my takes"
    takes.mkdir()
    for i, name in enumerate(["0_theo_20.flac", "1_theo_21.flac", "0_lucas_22.flac"]):
        wave, rate = sf.read(shared_data / "audio" / "fsdd" / name)
        sf.write(takes / f"take{i}.wav", wave, rate)  # a WAV of the user's own name
    frame = predicted(ckpt, takes)
    assert list(frame["id"]) == ["take0", "take1", "take2"], frame
    assert set(frame["predicted"]) <= set(DIGITS) and "label" not in frame, frame
    one = predicted(ckpt, takes / "take1.wav")  # a single file too
    assert list(one["id"]) == ["take1"]
    assert one.loc[0, "p_1"] == pytest.approx(frame.loc[1, "p_1"])


def test_test_scores_the_given_folder_not_the_fits(fitted, in_tmp, shared_data, capsys):
    ckpt, _ = fitted
    other = in_tmp / "other"
    other.mkdir()
    for name in ("0_theo_3.flac", "2_theo_3.flac"):  # a digit the model never saw: the file is read
        shutil.copy(shared_data / "audio" / "fsdd" / name, other / name)
    args = ["classify", "test", "--ckpt_path", str(ckpt), "--data.test_path", str(other), "--out", "tested"]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "labels ['2'] never occur in the training data" in err, err
