"""What the Python front ends share to fit into an output folder and resume there.

``fit(..., resume=True)`` continues an interrupted fit (killed, crashed) from the newest
``last.ckpt`` under ``out_dir`` (or the object's previous fit folder), in the same MLflow run: the
checkpoints carry the run's id (:class:`~ssm_ts.tracking.logger.RecordMLflowRun`). Its data may have
moved (the same content under another path); runtime settings may change
(:mod:`ssm_ts.tracking.resume_settings`).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.errors import ConfigError

if TYPE_CHECKING:
    from ssm_ts.datasets import DataUse


class ResumableFit:
    """Mixin for a front end with ``self.settings`` holding ``out_dir``, ``log_to_mlflow``,
    ``experiment``, ``tracking_uri`` and ``run_name``; it sets ``self.out_dir_``."""

    settings: dict[str, Any]
    out_dir_: Path | None = None
    default_out_folder: str  # fits without out_dir write to outputs/<default_out_folder>/<new name>

    def _fresh_out_dir(self) -> Path:
        """``outputs/<default_out_folder>/<time>-<pid>-<n>``: a new folder for a fit without ``out_dir``,
        in the working directory (not a temporary folder: its checkpoints must outlive the process)."""
        from ssm_ts.tracking.run_folder import unique_name

        return Path.cwd() / "outputs" / self.default_out_folder / unique_name()

    def _fit_folder(self, resume: bool) -> Path:
        """``out_dir`` if set; on resume, else this object's previous fit folder; else a fresh folder."""
        if self.settings["out_dir"]:
            folder = Path(self.settings["out_dir"])
        elif resume and self.out_dir_ is not None:
            folder = self.out_dir_
        elif resume:
            raise ConfigError(
                f"fit(resume=True) needs the folder of the interrupted fit: create the {type(self).__name__} "
                "with out_dir=<that folder> (each fit without out_dir writes to a new folder)."
            )
        else:
            folder = self._fresh_out_dir()
        self.out_dir_ = folder
        return folder

    @staticmethod
    def _resume_point(out_dir: Path) -> tuple[str | None, str | None]:
        """The newest ``last.ckpt`` under ``out_dir`` and the MLflow run it was written under."""
        from ssm_ts.export import load_checkpoint
        from ssm_ts.tracking.logger import mlflow_run_of_checkpoint
        from ssm_ts.training import find_newest_checkpoint

        found = find_newest_checkpoint(out_dir)
        if found is None:
            warnings.warn(
                f"fit(resume=True): no last.ckpt under {out_dir}; fitting from scratch.", stacklevel=3
            )
            return None, None
        return str(found), mlflow_run_of_checkpoint(load_checkpoint(found))

    @staticmethod
    def _check_resumed_data(ckpt_path: str, datamodule: Any, use: DataUse) -> None:
        """Refuse (a :class:`ConfigError` naming both paths) to resume ``ckpt_path`` on a data file or
        folder other than the one it was trained on: a new path must hold the same content (the
        checkpoint's fingerprint), and the same path must not have changed since. Checkpoints
        without a fingerprint accept only the same path."""
        from ssm_ts.export import load_checkpoint
        from ssm_ts.tracking.resume_settings import DATA_FILE_SETTINGS, FINGERPRINT_KEY, sort_resume_changes

        checkpoint = load_checkpoint(ckpt_path)
        saved = checkpoint.get("datamodule_hyper_parameters") or {}
        hparams = getattr(datamodule, "hparams", None) or {}

        def text(value: Any) -> Any:  # a checkpoint holds paths as text
            return os.fspath(value) if isinstance(value, os.PathLike) else value

        names = [key.split(".", 1)[1] for key in sorted(DATA_FILE_SETTINGS)]  # path, root, test_path
        given = {
            name: (text(saved[name]), text(hparams[name]))
            for name in names
            if name in saved and name in hparams
        }
        now = {f"data.{name}": new for name, (_, new) in given.items()}
        changed = {f"data.{name}": (old, new) for name, (old, new) in given.items() if old != new}
        _, refused = sort_resume_changes(changed, checkpoint.get(FINGERPRINT_KEY) or {}, use, now)
        if refused:
            listed = "; ".join(
                f"{key}: {old!r} in the checkpoint, {new!r} now ({reason})"
                for key, (old, new, reason) in refused.items()
            )
            raise ConfigError(
                f"fit(resume=True) continues {ckpt_path}, which was trained on other data: {listed}. Pass the "
                "data the fit started on (it may have moved), or fit from scratch with another out_dir."
            )

    def _make_logger(self, run_id: str | None = None):
        """The fit's MLflow logger (``None`` with ``log_to_mlflow=False``); ``run_id`` continues that run."""
        if not self.settings["log_to_mlflow"]:
            return None
        from ssm_ts.tracking.logger import make_mlflow_logger

        s = self.settings
        return make_mlflow_logger(
            s["experiment"], tracking_uri=s["tracking_uri"], run_name=s["run_name"], run_id=run_id
        )

    def _resume_hint(self, out_dir: Path) -> str:
        """What to do after a failure once training has finished: resume into the same run."""
        return (
            f"call fit(..., resume=True) on a {type(self).__name__} with out_dir={str(out_dir)!r} to log "
            "the results into the same run"
        )
