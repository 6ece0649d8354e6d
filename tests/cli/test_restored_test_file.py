"""``classify predict/test --ckpt_path X --data.path other.ts`` after a fit given ``--data.test_path``: the
checkpoint's test file was restored beside the new data.path and read in its place (the data module reads
data.test_path first), so the predictions were for the fit's test file, silently. It comes back only
with the fit's own data.path."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts import cli
from tests.cli.test_classify_cli import fit_random_features


@pytest.fixture(scope="module")
def fit_with_test_file(shared_data, tmp_path_factory):
    folder = shared_data / "classification" / "BasicMotions"
    test_file = folder / "BasicMotions_TEST.ts"
    workdir = tmp_path_factory.mktemp("fit_with_test_file")
    ckpt = fit_random_features(folder / "BasicMotions_TRAIN.ts", workdir, "--data.test_path", str(test_file))[
        0
    ]
    return ckpt, folder


def predictions(in_tmp, args) -> pd.DataFrame:
    assert cli.main(args) == 0
    return pd.read_csv(next((in_tmp / "out").rglob("predictions.csv")))


def test_predict_reads_the_given_data_path_not_the_fits_test_file(fit_with_test_file, in_tmp, tmp_path):
    ckpt, folder = fit_with_test_file
    # a file of 7 recordings (the fit's test file has 40): which one was read shows in the row count
    lines = (folder / "BasicMotions_TRAIN.ts").read_text().splitlines()
    data = [i for i, line in enumerate(lines) if line.strip().lower() == "@data"][0]
    other = tmp_path / "seven.ts"
    other.write_text("\n".join(lines[: data + 1 + 7]) + "\n")
    frame = predictions(
        in_tmp, ["classify", "predict", "--ckpt_path", str(ckpt), "--data.path", str(other), "--out", "out"]
    )
    assert len(frame) == 7, frame


def test_the_fits_own_data_path_still_brings_its_test_file(fit_with_test_file, in_tmp):
    ckpt, _ = fit_with_test_file
    frame = predictions(in_tmp, ["classify", "predict", "--ckpt_path", str(ckpt), "--out", "out"])
    assert len(frame) == 40, frame
