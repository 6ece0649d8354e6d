"""A fit started inside a user's own MLflow run (``with mlflow.start_run(): model.fit(...)``, as an MLflow
team's scripts do, or the command of an ``mlflow run`` project): the fit's run is a child of that run (tag
``mlflow.parentRunId``, shown nested in the UI) when both are in one store, and its model is logged by run
id, beside the user's active run, which stays active. Attaching the fit's run as the active one failed the
fit after training ("Run ... is already active")."""

from __future__ import annotations

import os

from ssm_ts.tracking.preflight import sqlite_path

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
    ``$MLFLOW_RUN_ID`` (the run ``mlflow run`` starts for a project's command), when its store is
    ``tracking_uri``'s; else ``{}``. A new fit's run then shows under it."""
    import mlflow

    active = mlflow.active_run()
    run_id = active.info.run_id if active is not None else os.environ.get(ENV_RUN_ID, "").strip()
    if not run_id or not same_store(mlflow.get_tracking_uri(), tracking_uri):
        return {}
    return {PARENT_TAG: run_id}
