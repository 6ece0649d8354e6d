"""A fit under an ``mlflow run`` project's command is a child of the project's run (``MLFLOW_RUN_ID``), but only
while that run is RUNNING: an id left exported in a shell from an earlier run (FINISHED, or of another store)
made every later fit a child of it."""

from __future__ import annotations

import mlflow

from ssm_ts.tracking.active_run import PARENT_TAG, parent_run_tags
from ssm_ts.tracking.logger import default_tracking_uri


def test_only_a_running_mlflow_run_id_parents_the_fits_run(monkeypatch):
    uri = default_tracking_uri()
    client = mlflow.MlflowClient(uri)
    running = client.create_run(client.create_experiment("project")).info.run_id
    finished = client.create_run(client.get_experiment_by_name("project").experiment_id).info.run_id
    client.set_terminated(finished, "FINISHED")  # a project run whose id an earlier shell left exported
    monkeypatch.setenv("MLFLOW_RUN_ID", running)
    assert parent_run_tags(uri) == {PARENT_TAG: running}
    monkeypatch.setenv("MLFLOW_RUN_ID", finished)
    assert parent_run_tags(uri) == {}
    monkeypatch.setenv("MLFLOW_RUN_ID", "0" * 32)  # another store's run
    assert parent_run_tags(uri) == {}
