"""The first fit a resume test starts from, made once a process and put back before each test that uses it.

A resume test's first fit (``ssm-ts USE fit ... --trainer.max_epochs 1 --out out``) took half its time.
Each kind is fitted once, in a folder of its own that keeps its absolute path (the MLflow store, its
artifact locations and the checkpoints name it), and copied aside; every test that asks for it gets
that folder back as the fit left it (its files copied over, its sqlite store restored with sqlite's
backup API, which connections MLflow keeps open see), as its working directory and MLflow store."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ssm_ts import cli

DB_NAME = "mlflow.db"
# name -> (the folder the first fit ran in, its copy as the fit left it)
_MADE: dict[str, tuple[Path, Path]] = {}


def _restore_database(source: Path, target: Path) -> None:
    """``target``'s sqlite database made a copy of ``source``'s, in place."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _copy_files(source: Path, target: Path) -> None:
    """Every file and folder of ``source`` but its database into ``target``, replacing what is there."""
    for entry in target.iterdir():
        if entry.name != DB_NAME:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for entry in source.iterdir():
        if entry.name != DB_NAME:
            copy = shutil.copytree if entry.is_dir() else shutil.copy2
            copy(entry, target / entry.name)


def restored_first_fit(
    name: str,
    fit: Callable[[Path], list[str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The folder of first fit ``name`` as the fit left it, as the working directory and MLflow store.

    ``fit(folder)`` gives the command's arguments (it may copy data into ``folder`` first); the fit
    runs once a process, in ``folder``, and must exit 0."""
    if name not in _MADE:
        base = tmp_path_factory.mktemp(f"first_fit_{name}")
        folder, kept = base / "work", base / "as_fitted"
        folder.mkdir()
        monkeypatch.chdir(folder)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / DB_NAME}")
        assert cli.main(fit(folder)) == 0
        shutil.copytree(folder, kept)
        _MADE[name] = (folder, kept)
    folder, kept = _MADE[name]
    _copy_files(kept, folder)
    _restore_database(kept / DB_NAME, folder / DB_NAME)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / DB_NAME}")
    return folder
