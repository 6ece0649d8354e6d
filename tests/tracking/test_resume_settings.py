"""The data fingerprint a checkpoint keeps (the same for a moved copy, another for any change of a
byte or a file name) and how a resumed run records accepted changes as numbered tags."""

from __future__ import annotations

import shutil

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.tracking import resume_settings
from ssm_ts.tracking.logger import check_resumed_run, log_params, make_mlflow_logger
from ssm_ts.tracking.resume_settings import data_fingerprint


def test_a_folder_fingerprint_follows_content_and_names_not_place(shared_data, tmp_path):
    folder = shutil.copytree(shared_data / "classification" / "BasicMotions", tmp_path / "a" / "BasicMotions")
    first = data_fingerprint(folder)
    moved = shutil.copytree(folder, tmp_path / "b" / "renamed")
    (moved / ".DS_Store").write_bytes(b"finder")  # hidden files are no data
    assert data_fingerprint(moved) == first
    train = next(moved.glob("*_TRAIN.*"))
    train.rename(train.with_name("other" + train.suffix))
    assert data_fingerprint(moved) != first  # a file's name inside the folder counts

    csv = shutil.copy(shared_data / "forecasting" / "ETTh1.csv", tmp_path / "x.csv")
    same = data_fingerprint(csv)
    assert data_fingerprint(shutil.copy(csv, tmp_path / "y.csv")) == same
    with open(csv, "r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(b"7" if byte != b"7" else b"8")
    assert data_fingerprint(csv) != same
    assert data_fingerprint(tmp_path / "missing.csv") is None


def test_data_over_the_limit_keeps_no_fingerprint(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x" * 100)
    monkeypatch.setattr(resume_settings, "FINGERPRINT_MAX_BYTES", 99)
    assert data_fingerprint(path) is None


def test_accepted_changes_are_numbered_tags_and_never_logged_as_params(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    first = make_mlflow_logger("resume-tags")
    log_params(first, {"data": {"num_workers": 0, "batch_size": 8}})
    run_id = first.run_id

    for n, workers in ((1, 2), (2, 4)):
        logger = make_mlflow_logger("resume-tags", run_id=run_id)
        params = {"data": {"num_workers": workers, "batch_size": 8}}
        kept = check_resumed_run(logger, run_id, params, accepted={"data.num_workers"})
        assert kept == {"data.num_workers": ("0", str(workers))}
        log_params(logger, params)  # MLflow raised "Changing param values is not allowed"
        run = logger.experiment.get_run(run_id)
        assert run.data.tags[f"resumed.{n}.data.num_workers"] == str(workers)
        assert run.data.params["data.num_workers"] == "0"

    with pytest.raises(
        ConfigError, match=r"data.batch_size: 8 in the run, 16 now.*may differ: data.num_workers"
    ):
        check_resumed_run(
            logger, run_id, {"data": {"num_workers": 4, "batch_size": 16}}, {"data.num_workers"}
        )


def test_an_accepted_change_leaves_out_its_own_names_only(tmp_path, monkeypatch):
    # a changed data.path left out every parameter named path, and forecaster.patience one named patience
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    logger = make_mlflow_logger("resume-names")
    logger.changed_on_resume = frozenset({"data.path", "forecaster.patience", "model.model_options.d_model"})
    log_params(
        logger,
        {
            "model": {"model_options": {"d_model": 8, "n_layers": 2}, "patience": 3},
            "trainer": {"path": "x"},
            "data": {"path": "a.csv"},
            "forecaster": {"patience": 5, "path": "y"},
        },
    )
    params = logger.experiment.get_run(logger.run_id).data.params
    assert params == {
        "model.patience": "3",
        "model.model_options.n_layers": "2",
        "trainer.path": "x",
        "forecaster.path": "y",
    }
