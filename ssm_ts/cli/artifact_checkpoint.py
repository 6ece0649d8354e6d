"""``--ckpt_path runs:/<run id>/checkpoints/best-epoch=3.ckpt``: a checkpoint a fit logged to MLflow, as
MLflow's own tools take an artifact (``mlflow artifacts download -u ...``), downloaded into ``--out``
before the command reads it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from ssm_ts.errors import ConfigError

# URI schemes of MLflow artifacts: a run's, the artifact proxy's, a logged or registered model's
ARTIFACT_SCHEMES = frozenset({"runs", "mlflow-artifacts", "models"})
DOWNLOAD_FOLDER = "downloaded_checkpoints"


def is_artifact_uri(ckpt_path: str | None) -> bool:
    """Whether ``--ckpt_path`` names an MLflow artifact (``runs:/...``) rather than a file."""
    return bool(ckpt_path) and urlsplit(str(ckpt_path)).scheme.lower() in ARTIFACT_SCHEMES


def download_checkpoint(uri: str, out: str | Path, tracking_uri: str) -> str:
    """Download the artifact ``uri`` from the store ``tracking_uri`` into
    ``<out>/downloaded_checkpoints/<hash of uri>/``; return the local path of the ``.ckpt`` file (the only
    one, when ``uri`` names a folder). A :class:`ConfigError` names the URI when the store lacks it."""
    import mlflow
    from mlflow.exceptions import MlflowException

    folder = Path(out) / DOWNLOAD_FOLDER / hashlib.sha256(uri.encode()).hexdigest()[:12]
    folder.mkdir(parents=True, exist_ok=True)
    try:
        local = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(folder), tracking_uri=tracking_uri
            )
        )
    except (MlflowException, OSError) as err:
        parts = urlsplit(uri)
        run_id = parts.path.strip("/").split("/")[0] if parts.scheme.lower() == "runs" else ""
        raise ConfigError(
            f"--ckpt_path {uri}: {tracking_uri} holds no such artifact ({str(err).strip()[:200]}); list the "
            f"run's checkpoints with `mlflow artifacts list -r {run_id or '<run id>'} -a checkpoints` (with "
            "MLFLOW_TRACKING_URI set to the store), or pass a local .ckpt file"
        ) from None
    if local.is_dir():
        found = sorted(local.rglob("*.ckpt"))
        if len(found) != 1:
            names = ", ".join(p.relative_to(local).as_posix() for p in found) or "none"
            raise ConfigError(
                f"--ckpt_path {uri} is a folder of {len(found)} checkpoints ({names}); name one: "
                f"{uri.rstrip('/')}/<file>.ckpt"
            )
        local = found[0]
    return str(local)
