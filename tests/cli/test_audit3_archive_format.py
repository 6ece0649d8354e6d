"""``ssm-ts classify fit --data.path BasicMotions --data.format arff``: the archive's folder holds both
the ``.ts`` and the ``.arff`` pair, and the ``.ts`` one was taken and read as ARFF ("BasicMotions_TRAIN.ts,
line 14: a value is not a number"). The format now picks its own pair."""

from __future__ import annotations

import shutil

from ssm_ts import cli
from tests.cli_runs import classify_test_args

FIT = [
    "classify", "fit", "--model.model", "random_features", "--model.model_options", "{n_kernels: 50, seed: 0}",
    "--trainer.max_epochs", "1", "--trainer.logger", "false", "--trainer.enable_progress_bar", "false",
]  # fmt: skip


def test_format_arff_reads_the_folders_arff_pair(in_tmp, capsys):
    assert cli.main([*FIT, "--data.path", "BasicMotions", "--data.format", "arff", "--out", "out"]) == 0
    ckpt = next((in_tmp / "out").rglob("last.ckpt"))
    test = classify_test_args(ckpt)
    assert cli.main(test) == 0
    assert "BasicMotions_TRAIN.ts" not in capsys.readouterr().err


def test_format_ts_on_a_folder_of_arff_files_names_the_missing_pair(in_tmp, shared_data, capsys):
    folder = in_tmp / "arff_only"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        name = f"BasicMotions_{split}.arff"
        shutil.copy(shared_data / "classification" / "BasicMotions" / name, folder / name)
    assert cli.main([*FIT, "--data.path", str(folder), "--data.format", "ts", "--out", "out"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "no <Name>_TRAIN.ts/<Name>_TEST.ts pair" in err, err
