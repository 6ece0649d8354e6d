"""Failures that tests inject into a fit."""

from __future__ import annotations

from mlflow import MlflowClient


def make_checkpoint_uploads_fail(monkeypatch):
    """Every upload of a ``.ckpt`` to MLflow raises a disk-full ``OSError``; other artifacts still upload.
    Returns the real upload, to put back when the test frees the space."""
    upload = MlflowClient.log_artifact

    def disk_full_for_checkpoints(self, run_id, local_path, artifact_path=None):
        if str(local_path).endswith(".ckpt"):
            raise OSError(28, "No space left on device")
        return upload(self, run_id, local_path, artifact_path)

    monkeypatch.setattr(MlflowClient, "log_artifact", disk_full_for_checkpoints)
    return upload
