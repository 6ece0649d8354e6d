"""Two fits at once in the same output folder keep their results apart.

Each case runs a second fit to its end while the first is at the moment that used to mix them:
between writing a shared file (``out/config.yaml``, ``out/export``, ``out/checkpoints``) and
logging it to its MLflow run. The first run must still log its own config, checkpoint and model,
and the shared ``out/export`` holds one complete export: the last finished fit's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import mlflow
import mlflow.models  # the modules themselves, not mlflow's lazy stand-ins, so patching them takes effect
import mlflow.pyfunc
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, cli
from ssm_ts.atomic import atomic_directory
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.logger import default_tracking_uri


def run_first_inside(monkeypatch, owner, name: str, other: Callable[[], None], when=lambda *a: True):
    """Patch ``owner.name`` so that its first call for which ``when(*args)`` holds first runs
    ``other()`` to its end in another thread (as a concurrent fit would). Returns the list of
    finished ``other`` runs, to check that it ran."""
    real, ran = getattr(owner, name), []

    def patched(*args, **kwargs):
        if not ran and when(*args):
            ran.append("started")
            errors: list[BaseException] = []
            thread = threading.Thread(target=lambda: _capture(other, errors))
            thread.start()
            thread.join()
            if errors:
                raise errors[0]
            ran[-1] = "finished"
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, patched)
    return ran


def _capture(function: Callable[[], None], errors: list[BaseException]) -> None:
    try:
        function()
    except BaseException as err:  # noqa: BLE001 (re-raised in the waiting thread)
        errors.append(err)


# ---------------------------------------------------------------- the building block


@pytest.mark.parametrize("at_replace", [0, 1])
def test_two_publishers_of_one_folder_both_succeed_and_the_last_wins(tmp_path, monkeypatch, at_replace):
    """Publisher B publishes whole just before publisher A's ``at_replace``-th rename: with a fixed
    ``.export.old`` name, A's rename onto B's fresh folder failed with ENOTEMPTY."""
    target = tmp_path / "export"
    with atomic_directory(target) as tmp:
        (tmp / "who").write_text("before")
    real_replace, calls = os.replace, []

    def replace(source, destination):
        calls.append(source)
        if len(calls) == at_replace + 1:
            with atomic_directory(target) as other:
                (other / "who").write_text("B")
        return real_replace(source, destination)

    monkeypatch.setattr("ssm_ts.atomic.os.replace", replace)
    with atomic_directory(target) as tmp:
        (tmp / "who").write_text("A")
    assert (target / "who").read_text() == "A" and sorted(p.name for p in target.iterdir()) == ["who"]
    assert [p.name for p in tmp_path.iterdir()] == ["export"]  # nothing moved aside or partial is left


# ---------------------------------------------------------------- the CLI (a tiny fake use)


@pytest.fixture()
def line_use(monkeypatch):
    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)


def _line_fit(out: Path, lr: float) -> Callable[[], None]:
    def fit() -> None:
        args = ["line", "fit", "--trainer.max_epochs", "2", "--model.lr", str(lr), "--out", str(out)]
        assert cli.main(args + ["--trainer.enable_progress_bar", "false"]) == 0

    return fit


def test_cli_fits_with_one_out_at_once_log_their_own_config_and_model(line_use, tmp_path, monkeypatch):
    out = tmp_path / "out"
    # B while A uploads its config (A had just written it), C while A logs its model (A had just exported it)
    during_config = run_first_inside(monkeypatch, mlflow.MlflowClient, "log_artifact", _line_fit(out, 0.05),
                                     when=lambda client, run_id, path, *rest: Path(path).name == "config.yaml")  # fmt: skip
    during_model = run_first_inside(monkeypatch, mlflow.models.Model, "log", _line_fit(out, 0.01))
    _line_fit(out, 0.2)()
    assert during_config == ["finished"] and during_model == ["finished"]

    client = mlflow.MlflowClient(default_tracking_uri())
    runs = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    assert sorted(run.data.params["model.lr"] for run in runs) == ["0.01", "0.05", "0.2"]
    mlflow.set_tracking_uri(default_tracking_uri())
    for run in runs:
        run_id, lr = run.info.run_id, run.data.params["model.lr"]
        assert f"lr: {lr}" in mlflow.artifacts.load_text(f"runs:/{run_id}/config.yaml")
        (best,) = (out / run.info.experiment_id / run_id / "checkpoints").glob("best-*.ckpt")
        slope = float(load_checkpoint(best)["state_dict"]["linear.weight"])
        logged = mlflow.pyfunc.load_model(f"runs:/{run_id}/model").predict(pd.DataFrame({"x": [1.0]}))
        assert logged["x"][0] == pytest.approx(slope)
    # the shared copies are complete ones, of the fit that finished last (A)
    assert "lr: 0.2" in (out / "config.yaml").read_text()
    (run_a,) = [run for run in runs if run.data.params["model.lr"] == "0.2"]
    own = out / run_a.info.experiment_id / run_a.info.run_id / "export" / "slope.txt"
    assert (out / "export" / "slope.txt").read_text() == own.read_text()


# ---------------------------------------------------------------- the Python API


def test_forecasters_with_one_out_dir_at_once_log_their_own_model(tmp_path, monkeypatch):
    hours = pd.date_range("2020-01-01", periods=200, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(200) / 5.0)})
    settings = dict(model="nlinear", lookback=12, horizon=4, max_epochs=2, out_dir=str(tmp_path / "out"),
                    trainer_options={"enable_progress_bar": False})  # fmt: skip
    first, second = Forecaster(**settings, seed=0), Forecaster(**settings, seed=1)
    # the second fit runs while the first logs its model, after writing its export
    during_model = run_first_inside(monkeypatch, mlflow.models.Model, "log", lambda: second.fit(frame))
    first.fit(frame)
    assert during_model == ["finished"] and first.run_id_ != second.run_id_

    mlflow.set_tracking_uri(default_tracking_uri())
    for forecaster in (first, second):
        logged = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
        pd.testing.assert_frame_equal(logged.predict(pd.DataFrame()), forecaster.predict())
        saved = load_checkpoint(forecaster.best_checkpoint_)["state_dict"]
        for name, weight in forecaster.task_.state_dict().items():
            torch.testing.assert_close(saved[name], weight, msg=name)
    assert first.predict()["y"].tolist() != second.predict()["y"].tolist()  # two different models
    shared = Forecaster.load(tmp_path / "out" / "export")  # the fit that finished last
    pd.testing.assert_frame_equal(shared.predict(), first.predict())
