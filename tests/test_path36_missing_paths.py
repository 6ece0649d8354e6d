"""A data path that is missing for a reason ``ls`` hides: a symbolic link to a folder that moved (``ls``
lists the link), or a path copied from a Windows config (``data\\ett.csv``). The readers said only "not
found"."""

from __future__ import annotations

import os

import pytest

from ssm_ts import cli


@pytest.mark.parametrize(
    ("use", "setting", "target"),
    [
        ("forecast", "data.path", "gone ü.csv"),
        ("audio", "data.root", "gone wavs"),
        ("classify", "data.path", "gone.ts"),
    ],
)
def test_a_link_to_nothing_is_named(in_tmp, capsys, use, setting, target):
    os.symlink(in_tmp / "moved away" / target, in_tmp / "my data")
    assert cli.main([use, "fit", f"--{setting}", "my data", "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert (
        f"{setting} my data: no such file or folder: it is a symbolic link to {in_tmp / 'moved away' / target}"
        in err
    )


def test_a_windows_path_is_named_with_the_one_to_pass(in_tmp, capsys):
    (in_tmp / "dätä").mkdir()
    (in_tmp / "dätä" / "ett.csv").write_text("date,OT\n")
    args = ["forecast", "fit", "--model.model", "dlinear", "--data.path", "dätä\\ett.csv", "--out", "out"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "data.path dätä\\ett.csv: no such file or folder: it is written with Windows separators" in err
    assert "(dätä/ett.csv exists: pass that)" in err


def test_a_file_taken_for_a_folder_is_named(in_tmp, capsys):
    (in_tmp / "bm ü.ts").write_text("@problemName x\n")
    args = ["classify", "fit", "--data.path", "bm ü.ts/train.ts", "--out", "out"]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "data.path bm ü.ts/train.ts: no such file or folder: bm ü.ts is a file, not a folder" in err
