"""A fit started inside a user's own MLflow run (``with mlflow.start_run(): model.fit(...)``, as an MLflow
team's scripts do, or the command of an ``mlflow run`` project): the fit's run is a child of that run (tag
``mlflow.parentRunId``, shown nested in the UI) when both are in one store, and its model is logged by run
id, beside the user's active run, which stays active. Attaching the fit's run as the active one failed the
fit after training ("Run ... is already active")."""

from __future__ import annotations

import os

from ssm_ts.tracking.preflight import sqlite_path
from ssm_ts.tracking.quick_requests import quick_requests

PARENT_TAG = "mlflow.parentRunId"
ENV_RUN_ID = "MLFLOW_RUN_ID"  # set by `mlflow run` for the command of a project


def same_store(uri: str, other: str) -> bool:
    """Whether two tracking URIs name one store: the same sqlite file (``sqlite:///mlflow.db`` relative to
    the working folder, or absolute), else the same text."""
    path, other_path = sqlite_path(uri), sqlite_path(other)
    if path is not None and other_path is not None:
        return path.resolve() == other_path.resolve()
    return uri.strip().rstrip("/") == other.strip().rstrip("/")


def parent_run_tags(tracking_uri: str) -> dict[str, str]:
    """``{"mlflow.parentRunId": <id>}`` of the run active in this thread (``mlflow.start_run``), else of
    ``$MLFLOW_RUN_ID`` (the run ``mlflow run`` starts for a project's command) while that run is RUNNING,
    when its store is ``tracking_uri``'s; else ``{}``. A new fit's run then shows under it. A run id left
    in the environment by an earlier command (its run FINISHED, or not in this store) parents nothing."""
    import mlflow

    if not same_store(mlflow.get_tracking_uri(), tracking_uri):
        return {}
    active = mlflow.active_run()
    if active is not None:
        return {PARENT_TAG: active.info.run_id}
    run_id = os.environ.get(ENV_RUN_ID, "").strip()
    return {PARENT_TAG: run_id} if run_id and _running(tracking_uri, run_id) else {}


def _running(tracking_uri: str, run_id: str) -> bool:
    """Whether ``tracking_uri``'s store holds run ``run_id`` RUNNING (asked within seconds)."""
    import mlflow

    try:
        with quick_requests():
            return mlflow.MlflowClient(tracking_uri).get_run(run_id).info.status == "RUNNING"
    except Exception:  # noqa: BLE001 (no such run, or the store does not answer: no parent)
        return False
