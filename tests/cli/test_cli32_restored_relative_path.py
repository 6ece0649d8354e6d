"""``predict --ckpt_path`` run from another folder than the fit's: the checkpoint's relative data path
(``--data.path train.ts`` at fit time) is read from the new working folder and is not found. The error
said "check --data.path", an option the user never gave; it now says the path is the fit's, restored from
the checkpoint, and names the file the fit read as an option that works when pasted."""

from __future__ import annotations

import shlex
import shutil

import pytest

from ssm_ts import cli
from tests.cli.test_classify_cli import fit_random_features


@pytest.fixture(scope="module")
def fit_on_a_relative_path(shared_data, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("fit_relative")
    shutil.copy(
        shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts", workdir / "train.ts"
    )
    ckpt, _, _ = fit_random_features("train.ts", workdir)  # data.path as given: relative to workdir
    return ckpt, workdir / "train.ts"


def test_a_missing_relative_path_from_the_checkpoint_names_the_fits_file(
    fit_on_a_relative_path, in_tmp, capsys
):
    ckpt, train = fit_on_a_relative_path
    assert cli.main(["classify", "predict", "--ckpt_path", str(ckpt), "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert (
        "data.path 'train.ts' is the fit's, restored from the checkpoint, and a relative path is read from"
        in err
    )
    fix = f"--data.path {train}"
    assert f"the fit read {train}: pass {fix}" in err

    assert cli.main(["classify", "predict", "--ckpt_path", str(ckpt), "--out", "out", *shlex.split(fix)]) == 0
    assert (in_tmp / "out" / "predictions.csv").is_file()
