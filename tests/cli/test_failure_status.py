"""A fit that fails or is interrupted leaves an MLflow run that says so, keeps its checkpoints, and
continues in the same run on --ckpt_path last. Lightning marks a run FINISHED when training ends,
so a failure while logging the model afterwards left a FINISHED run without it (and a raw OSError);
Ctrl-C was FAILED, with Ctrl-C ignored for the rest of the process."""

from __future__ import annotations

import signal

import mlflow
from mlflow.tracking import MlflowClient

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri
from tests.failures import make_checkpoint_uploads_fail


def _only_run():
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    return run, artifacts, [m.step for m in client.get_metric_history(run.info.run_id, "val_loss")]


def test_a_failed_model_upload_marks_the_run_failed_and_resume_logs_it(
    line_use, tmp_path, monkeypatch, capsys
):
    upload = make_checkpoint_uploads_fail(monkeypatch)
    args = ["line", "fit", "--trainer.max_epochs", "2", "--out", str(tmp_path / "out")]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "--ckpt_path last" in err and "marked FAILED" in err
    run, artifacts, steps = _only_run()
    assert run.info.status == "FAILED" and "checkpoints" not in artifacts and len(steps) == 2

    monkeypatch.setattr(MlflowClient, "log_artifact", upload)  # space freed
    assert cli.main([*args, "--ckpt_path", "last"]) == 0
    run, artifacts, steps = _only_run()  # the same run, now complete
    assert run.info.status == "FINISHED" and "checkpoints" in artifacts and len(steps) == 2


def test_ctrl_c_mid_fit_kills_the_run_keeps_ctrl_c_and_resumes(line_use, tmp_path, capsys):
    on_ctrl_c = signal.getsignal(signal.SIGINT)
    args = ["line", "fit", "--trainer.max_epochs", "3", "--out", str(tmp_path / "out")]
    interrupt = ["--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch"]
    assert cli.main([*args, *interrupt]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is on_ctrl_c  # Lightning had set it to SIG_IGN
    run, _, steps = _only_run()
    assert run.info.status == "KILLED" and len(steps) == 1
    assert list((tmp_path / "out").rglob("last.ckpt"))

    assert cli.main([*args, "--ckpt_path", "last"]) == 0
    run, _, steps = _only_run()
    assert run.info.status == "FINISHED" and len(steps) == 3


def test_a_resume_that_changes_a_logged_parameter_or_the_store_is_refused_up_front(
    line_use, tmp_path, capsys
):
    args = ["line", "fit", "--trainer.max_epochs", "1", "--out", str(tmp_path / "out")]
    assert cli.main(args) == 0
    resume = [*args[:3], "2", *args[4:], "--ckpt_path", "last"]
    assert cli.main([*resume, "--model.lr", "0.05"]) == 1  # was MLflow's traceback mid-fit
    # refused before MLflow is asked: the checkpoint was trained with lr 0.1
    assert "--model.lr: 0.1 in the checkpoint, 0.05 now" in capsys.readouterr().err
    run, _, steps = _only_run()
    assert run.info.status == "FINISHED" and len(steps) == 1  # untouched

    other_store = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli.main([*resume, "--tracking_uri", other_store]) == 1
    assert f"{other_store} does not hold" in capsys.readouterr().err
