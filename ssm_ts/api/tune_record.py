"""What a :func:`~ssm_ts.tune_forecaster` search keeps and reads back: the searched data's fingerprint
and the fixed settings stored with its study, each kept trial's exported model (and loading an earlier
run's best one back), the trials frame, and the chosen model's test metrics.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ssm_ts.api.forecast_fit_features import fit_datamodule
from ssm_ts.api.forecaster import Forecaster
from ssm_ts.api.tune_space import NOT_SEARCHABLE, Param, plain
from ssm_ts.api.tune_study import RESUMED_KEY
from ssm_ts.errors import TrainingError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.forecasting.reader import TableSource

if TYPE_CHECKING:
    import optuna

# fixed settings a continued search may change: where results go, where the same computation runs,
# how many conformal scores are kept; the others change what a trial's val_loss means
FREE_ON_RESUME = NOT_SEARCHABLE | {"accelerator", "calibration_budget"}


def read_data(data: TableSource, fit_args: dict[str, Any]) -> ForecastDataModule | None:
    """Read ``data`` as the trials will (a missing file, a missing column or a gap is its error here);
    return the data module that read it (``None`` for anything but a path or a DataFrame: the first
    trial's fit names what data may be)."""
    if not isinstance(data, (pd.DataFrame, str, os.PathLike)):
        return None
    # a data set's name: its file; a long table's per-series columns and static_df read as fit reads them
    args = dict(fit_args)
    module, _ = fit_datamodule(data, args.pop("static_df", None), None, **args)
    return module


def data_fingerprint(module: ForecastDataModule | None) -> dict[str, Any]:
    """The searched data's content fingerprint, as a resumed fit's checkpoint keeps it:
    ``{"data.path": {"path", "sha256"}}`` or ``{"data.frame": {...}}`` (``{}``: none)."""
    from ssm_ts.tracking.resume_settings import datamodule_fingerprints

    return plain(datamodule_fingerprints(module)) if module is not None else {}


def search_record(fixed: dict[str, Any], fit_args: dict[str, Any]) -> dict[str, Any]:
    """The fixed settings a continued search must share with the study's first run (plain JSON values):
    all but where results go, where the computation runs and the calibration budget; the data's
    reading arguments as ``data.<name>``; callbacks by their class."""
    record = {k: v for k, v in fixed.items() if k not in FREE_ON_RESUME}
    options = dict(record.get("trainer_options") or {})
    if "callbacks" in options:  # objects: their class says what they do
        given = options["callbacks"]
        given = given if isinstance(given, (list, tuple)) else [given]
        # (a callback given described, as LightningCLI takes it: the class its class_path names)
        options["callbacks"] = [
            c["class_path"].rsplit(".", 1)[-1] if isinstance(c, Mapping) else type(c).__qualname__
            for c in given
        ]
    record["trainer_options"] = options or None
    record.update({f"data.{k}": v for k, v in fit_args.items() if k != "static_df"})
    static_df = fit_args.get("static_df")
    if static_df is not None:  # (left out when none: a study stored before static_df compares as it was)
        given = (
            static_df.to_dict(orient="list") if isinstance(static_df, pd.DataFrame) else os.fspath(static_df)
        )
        record["data.static_df"] = given  # a DataFrame by its values, a CSV by its path
    return plain(record)


def kept_export(fit: Forecaster) -> Path:
    """The trial's export (its fit folder's ``export``: the fit published it there when it logged one,
    else it is saved here, over any other model a search before left there): what a continued search
    loads when it chooses this trial (callbacks in ``trainer_options`` are saved described,
    :mod:`ssm_ts.api.trainer_objects`)."""
    export = Path(fit.out_dir_) / "export"
    if fit.run_id_ is None or not export.is_dir():
        fit.save(export)
    return export.absolute()


def load_trial_model(
    study: optuna.Study, trial: optuna.trial.FrozenTrial, settings: dict[str, Any]
) -> Forecaster:
    """A :class:`Forecaster` with ``settings`` and the fitted model of ``trial``, an earlier run's trial,
    loaded from its export once that is checked to be the trial's: its record names this study and trial
    (:func:`~ssm_ts.api.tune_study.check_trial_export`), and its saved settings are ``settings``."""
    from ssm_ts.api import tune_study

    export = trial.user_attrs.get("export")
    if not export or not Path(export).is_dir():
        where = f"at {export}, which is gone" if export else "(that run kept no model: no storage then)"
        raise TrainingError(
            f"the best trial, {trial.number} ({trial.user_attrs.get('values')}, val_loss {trial.value:.6g}), was "
            f"fitted by an earlier run of this search and its model is not there {where}. Restore the folder, "
            "or fit Forecaster(**settings) with those settings, or start a new search (a new study_name)."
        )
    tune_study.check_trial_export(Path(export), study, trial)
    loaded = Forecaster.load(export)
    best = Forecaster(**settings)
    differ = _settings_differ(best.settings, loaded.settings)
    if differ:  # an export from before the record, another search's (or one with a record edited)
        raise tune_study.not_its_model(Path(export), trial, f"it was saved with {differ}")
    for name in ("task_", "spec_", "history_", "future_", "conformal_", "metrics_"):
        setattr(best, name, getattr(loaded, name))
    best.run_id_ = trial.user_attrs.get("run_id")
    best.out_dir_ = Path(export).parent
    return best


def _settings_differ(wanted: Mapping[str, Any], saved: Mapping[str, Any]) -> str:
    """The settings that change a model (all but where results go, ``accelerator``, the calibration
    budget and ``trainer_options``, saved described) on which ``saved`` differs from ``wanted``, as
    ``"lr 0.03, not 0.001"`` (``""``: none)."""
    keys = [k for k in wanted if k not in FREE_ON_RESUME and k != "trainer_options"]
    return "; ".join(
        f"{key} {json.dumps(plain(saved.get(key)))}, not {json.dumps(plain(wanted[key]))}"
        for key in keys
        if plain(saved.get(key)) != plain(wanted[key])
    )


def raise_if_all_failed(study: optuna.Study) -> None:
    """A :class:`TrainingError` naming each trial's settings and why it failed, when no trial completed
    and some failed (their training loss became NaN or inf)."""
    import optuna

    from ssm_ts.api.tune_study import RETRY_KEY

    rerun = {t.user_attrs.get(RETRY_KEY) for t in study.trials}  # interrupted trials whose settings ran again
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL and t.number not in rerun]
    if not failed:
        return
    reasons = "; ".join(
        f"trial {t.number} {t.user_attrs.get('values', t.params)}: {t.user_attrs.get('error', 'failed').rstrip('.')}"
        for t in failed[:5]
    )
    more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
    run = len(study.trials) - len(rerun - {None})  # an interrupted trial and its rerun: one trial
    raise TrainingError(
        f"every trial of the search failed, none completed ({len(failed)} of {run} failed{more}): "
        f"{reasons}. Search a range where training stays finite (e.g. a lower lr), or set "
        "trainer_options={'gradient_clip_val': 1.0}."
    )


def scored_on_test(best: Forecaster, data: TableSource, fit_args: dict[str, Any]) -> dict[str, float]:
    """The chosen model's ``test_*`` metrics, on the same split a plain fit would test (none when the
    split has no test rows)."""
    from ssm_ts.api.trainer_objects import fit_trainer_options
    from ssm_ts.training import build_trainer

    s = best.settings
    args = dict(fit_args)
    static_df = args.pop("static_df", None)
    data_settings = dict(**args, lookback=s["lookback"], horizon=s["horizon"], split=s["split"],
                         fractions=s["fractions"], boundaries=s["boundaries"], batch_size=s["batch_size"],
                         shuffle_seed=s["seed"])  # fmt: skip
    # the rows of the per-series columns and statics the model reads, as its fit read them
    datamodule, _ = fit_datamodule(data, static_df, "test", **data_settings)
    if datamodule.bounds.test_end <= datamodule.bounds.val_end:
        return {}
    # a profiler or plugin given described (class_path/init_args) built, as for the fits
    kept = {k: v for k, v in (s["trainer_options"] or {}).items() if k != "callbacks"}
    options = fit_trainer_options(kept, "Forecaster")
    trainer = build_trainer(max_epochs=1, out_dir=best.out_dir_, accelerator=s["accelerator"], **options)
    (metrics,) = trainer.test(best.task_, datamodule=datamodule, verbose=False)
    best.task_.cpu().eval()
    metrics = {k: float(v) for k, v in metrics.items()}
    if best.run_id_ is not None:
        from ssm_ts.tracking.logger import make_mlflow_logger

        logger = make_mlflow_logger(s["experiment"], tracking_uri=s["tracking_uri"], run_id=best.run_id_)
        for key, value in metrics.items():
            logger.experiment.log_metric(best.run_id_, key, value)
    return metrics


def trials_frame(study: optuna.Study, params: list[Param]) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        if not t.state.is_finished():  # queued to run again (an interrupted trial's settings)
            continue
        values = t.user_attrs.get("values") or {
            p.name: p.value(v) for p, v in zip(params, t.params.values(), strict=False)
        }
        duration = t.duration.total_seconds() if t.duration is not None else float("nan")
        val_loss = t.value if t.value is not None else (t.intermediate_values or {}).get(t.last_step)
        rows.append({"trial": t.number, "state": t.state.name, "val_loss": val_loss, "duration_s": duration,
                     "run_id": t.user_attrs.get("run_id"), **values})  # fmt: skip
        if any("error" in s.user_attrs for s in study.trials):  # why a trial failed, when one did
            rows[-1]["error"] = t.user_attrs.get("error")
        if any(RESUMED_KEY in s.user_attrs for s in study.trials):  # a rerun that continued a checkpoint
            resumed = t.user_attrs.get(RESUMED_KEY) or {}
            rows[-1]["resumed_from_trial"] = resumed.get("trial")
            rows[-1]["resumed_at_epoch"] = resumed.get("epoch")
    frame = pd.DataFrame(rows)
    for column in ("resumed_from_trial", "resumed_at_epoch"):  # whole numbers, blank for other trials
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame
