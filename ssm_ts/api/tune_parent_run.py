"""The MLflow run of a whole :func:`~ssm_ts.tune_forecaster` search, whose nested children are its
trials' runs: opened (or, for a continued search, reopened), told each trial's outcome, and ended with
the best trial's params and metrics, or with the trials so far when the search stops.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from ssm_ts.api.forecaster import Forecaster


@dataclasses.dataclass
class ParentRun:
    """The MLflow run of the whole search; trials are its nested children. A continued search continues
    it (its id is kept with the study), as a resumed fit continues its run."""

    client: Any
    run_id: str
    resumes: int = 0  # how many times a continued search reopened it

    @classmethod
    def open(
        cls, fixed: dict[str, Any], space: Mapping[str, Any], n_trials: int, sampler: Any, study: optuna.Study
    ) -> ParentRun:
        """The study's run when the tracking store still has it (RUNNING again), else a new one."""
        from ssm_ts.api.tune_study import RUN_KEY
        from ssm_ts.training.verbosity import apply_chosen_verbosity

        apply_chosen_verbosity()  # before MLflow's store set-up lines: a Python search is quiet like its trials
        parent = cls._reopen(fixed, study.user_attrs.get(RUN_KEY)) or cls._start(fixed)
        study.set_user_attr(RUN_KEY, parent.run_id)
        params = {f"space.{k}": repr(v)[:500] for k, v in space.items()}
        params.update({"tune.n_trials": n_trials, "tune.sampler": str(sampler), "tune.model": fixed["model"]})
        parent.log_params(params)
        parent.client.set_tag(parent.run_id, "optuna.study_name", study.study_name)
        return parent

    @classmethod
    def _start(cls, fixed: dict[str, Any]) -> ParentRun:
        from ssm_ts.tracking.logger import make_mlflow_logger

        run_name = f"{fixed['run_name']}-tune" if fixed["run_name"] else None
        logger = make_mlflow_logger(fixed["experiment"], tracking_uri=fixed["tracking_uri"], run_name=run_name,
                                    tags={"ssm_ts.kind": "tune"})  # fmt: skip
        return cls(logger.experiment, logger.run_id)

    @classmethod
    def _reopen(cls, fixed: dict[str, Any], run_id: str | None) -> ParentRun | None:
        if not run_id:
            return None
        import mlflow

        from ssm_ts.tracking.logger import default_tracking_uri
        from ssm_ts.tracking.preflight import check_tracking_uri

        uri = fixed["tracking_uri"] or default_tracking_uri()
        check_tracking_uri(uri)
        client = mlflow.MlflowClient(uri)
        try:
            run = client.get_run(run_id)
        except mlflow.exceptions.MlflowException:  # another store, or deleted for good: a new run
            return None
        if run.info.lifecycle_stage != "active":
            return None
        resumes = int(run.data.tags.get("tune.resumes", 0)) + 1
        client.update_run(run_id, status="RUNNING")
        client.set_tag(run_id, "tune.resumes", str(resumes))
        return cls(client, run_id, resumes)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log ``params``; on a reopened run, one it holds with another value (MLflow keeps one value
        per parameter) becomes a tag ``resumed.<n>.<name>``, as a resumed fit's changed settings do."""
        logged = self.client.get_run(self.run_id).data.params if self.resumes else {}
        for key, value in params.items():
            if key not in logged:
                self.client.log_param(self.run_id, key, value)
            elif logged[key] != str(value):
                self.client.set_tag(self.run_id, f"resumed.{self.resumes}.{key}", str(value))

    def record_trial(self, run_id: str | None, number: int, state: str, loss: float | None) -> None:
        """Tag a trial's child run; ``loss`` ``None``: a failed trial, which has none."""
        if run_id is None:
            return
        self.client.set_tag(run_id, "optuna.trial", str(number))
        self.client.set_tag(run_id, "optuna.state", state)
        if loss is not None:
            self.client.log_metric(run_id, "best_val_loss", loss)

    def end_child(self, run_id: str | None, number: int) -> None:
        """An interrupted trial's child run: tagged FAIL, and KILLED if it is still RUNNING (best effort:
        this runs while the search stops)."""
        if run_id is None:
            return
        try:
            self.record_trial(run_id, number, "FAIL", None)
            if self.client.get_run(run_id).info.status == "RUNNING":
                self.client.set_terminated(run_id, "KILLED")
        except Exception:  # noqa: BLE001 (the store may be what failed)
            logging.getLogger(__name__).warning("could not mark MLflow run %s KILLED", run_id)

    def finish(
        self, best_params: dict[str, Any], loss: float, best: Forecaster, trials: pd.DataFrame
    ) -> None:
        self.log_params({f"best.{key}": json.dumps(value) for key, value in best_params.items()})
        self.client.log_metric(self.run_id, "best_val_loss", loss)
        for key, value in best.metrics_.items():
            if key.startswith("test_"):
                self.client.log_metric(self.run_id, f"best_{key}", value)
        self.client.set_tag(self.run_id, "best_trial_run_id", str(best.run_id_))
        self.client.log_text(self.run_id, trials.to_csv(index=False), "trials.csv")
        self.client.set_terminated(self.run_id, "FINISHED")

    def end(self, trials: pd.DataFrame | None, status: str) -> None:
        """The search stopped (``status`` KILLED by Ctrl-C, or FAILED): its trials so far as ``trials.csv``,
        then the status; best effort, the error that stopped the search is the one to report."""
        try:
            if trials is not None and len(trials):
                self.client.log_text(self.run_id, trials.to_csv(index=False), "trials.csv")
            self.client.set_terminated(self.run_id, status)
        except Exception:  # noqa: BLE001 (the store may be what failed)
            logging.getLogger(__name__).warning(
                "could not mark the search's MLflow run %s %s", self.run_id, status
            )
