"""``ssm-ts classify fit --data.format fsdd`` on a folder that gives no training clip says why. It said
"no FSDD audio files for split 'train'" for every one of them: FSDD's own repository (its clips one
folder down, in ``recordings/``), a folder of MP3s, and clips of the test index (0-4) alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf

from ssm_ts import cli

FIT = ["classify", "fit", "--data.format", "fsdd", "--trainer.max_epochs", "1", "--out", "out"]


def fit_error(folder: Path, capsys) -> str:
    assert cli.main([*FIT, "--data.path", str(folder)]) == 1
    return " ".join(capsys.readouterr().err.split())  # rich wraps long lines


@pytest.fixture
def fsdd(shared_data) -> Path:
    return shared_data / "audio" / "fsdd"


def test_the_repository_folder_names_its_recordings_folder(in_tmp, fsdd, capsys):
    recordings = in_tmp / "free-spoken-digit-dataset" / "recordings"  # as `git clone` leaves it
    recordings.mkdir(parents=True)
    for name in ("0_george_5.flac", "1_george_6.flac"):
        shutil.copy(fsdd / name, recordings / name)
    (recordings.parent / "README.md").write_text("FSDD")
    err = fit_error(recordings.parent, capsys)
    assert "clips are read from one folder, not its subfolders" in err, err
    assert f"{recordings} holds some; pass that folder instead" in err, err


def test_a_folder_of_mp3s_says_what_it_holds(in_tmp, fsdd, capsys):
    folder = in_tmp / "mp3s"
    folder.mkdir()
    wave, rate = sf.read(fsdd / "0_george_5.flac")
    for name in ("0_george_5", "1_george_6"):
        sf.write(folder / f"{name}.mp3", wave, rate, format="MP3")
    err = fit_error(folder, capsys)
    assert "no audio files (.wav, .flac, .ogg) in it; it holds 2 .mp3 file(s)" in err, err
    assert "convert other formats" in err, err


def test_test_clips_alone_name_the_training_index(in_tmp, fsdd, capsys):
    folder = in_tmp / "index_0_4"
    folder.mkdir()
    for name in ("0_george_0.flac", "1_george_3.flac"):
        shutil.copy(fsdd / name, folder / name)
    err = fit_error(folder, capsys)
    assert "none of its 2 FSDD clip(s) is in the train split" in err, err
    assert "index 5 and above of each speaker and digit" in err, err
