"""MLflow logging for every fit: the logger, and helpers that log params, files, plots and models.

The default store is an embedded sqlite file in the working directory (``sqlite:///mlflow.db``);
``MLFLOW_TRACKING_URI`` (or an explicit ``tracking_uri``) points at a server instead. MLflow 3
refuses its old file store, which is Lightning's ``MLFlowLogger`` default, so a URI is always set.
"""

from __future__ import annotations

import json
import os
import re
from argparse import Namespace
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from lightning.fabric.utilities.logger import _convert_params
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import MLFlowLogger
from lightning.pytorch.utilities import rank_zero_only

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.active_run import parent_run_tags
from ssm_ts.tracking.experiment_env import run_experiment
from ssm_ts.tracking.preflight import (
    check_experiment_name,
    check_experiment_not_deleted,
    check_tracking_uri,
    sqlite_path,
    unsupported_store_text,
)
from ssm_ts.tracking.quick_requests import quick_requests
from ssm_ts.tracking.resume_settings import (
    FINGERPRINT_KEY,
    RESOLVED_KEY,
    RUNTIME_SETTINGS,
    SETTINGS_KEY,
    datamodule_fingerprints,
    resolved_data_settings,
    same_logged_value,
)
from ssm_ts.tracking.run_names import unseeded_run_name

ENV_TRACKING_URI = "MLFLOW_TRACKING_URI"
DEFAULT_DB_NAME = "mlflow.db"
CHECKPOINT_RUN_KEY = "ssm_ts_mlflow_run"


def default_tracking_uri() -> str:
    """``$MLFLOW_TRACKING_URI`` if set, else an sqlite store ``mlflow.db`` in the working directory."""
    uri = os.environ.get(ENV_TRACKING_URI, "").strip()
    if uri:
        return uri
    return f"sqlite:///{(Path.cwd() / DEFAULT_DB_NAME).as_posix()}"


def environment_uri_text(uri: str) -> str:
    """The note on an error about a tracking URI that came from ``$MLFLOW_TRACKING_URI``, not an option."""
    return (
        f"({uri} is the value of the environment variable {ENV_TRACKING_URI}: `unset {ENV_TRACKING_URI}` "
        f"logs to sqlite:///{DEFAULT_DB_NAME} in the working directory, and --tracking_uri (Python: "
        "tracking_uri=) overrides it.)"
    )


def sqlite_artifact_location(tracking_uri: str, experiment_name: str) -> str | None:
    """Where a new experiment ``experiment_name`` of an sqlite store keeps its artifacts: a file URI
    ``<the database's folder>/mlruns/<experiment name>`` (characters other than letters, digits,
    ``.``, ``_`` and ``-`` as ``_``). MLflow's own default is ``./mlruns`` of whatever folder the
    process runs in when it creates the experiment, wherever the database is. ``None`` for a server
    or an in-memory store, which choose for themselves."""
    db_path = sqlite_path(tracking_uri)
    if db_path is None:
        return None
    # names map to folders one way; two names with the same folder still keep their runs apart (run ids)
    folder = re.sub(r"[^A-Za-z0-9._-]", "_", experiment_name).strip(".") or "experiment"
    return (db_path.absolute().parent / "mlruns" / folder).as_uri()


def make_mlflow_logger(
    experiment_name: str,
    tracking_uri: str | None = None,
    run_name: str | None = None,
    run_id: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> MLFlowLogger:
    """A Lightning MLflow logger on ``tracking_uri`` (default: :func:`default_tracking_uri`).

    A front end's default ``experiment_name`` (a :class:`~ssm_ts.tracking.experiment_env.DefaultExperiment`)
    gives way to ``$MLFLOW_EXPERIMENT_NAME`` or ``$MLFLOW_EXPERIMENT_ID``, as for ``mlflow.start_run()``.
    Pass ``run_id`` to continue an existing run (resume after a crash) instead of starting a new one;
    :func:`check_resumed_run` then says which changed settings it logs as tags instead of params.
    An unreachable server or an unwritable sqlite file is a :class:`~ssm_ts.errors.ConfigError`
    here, before any training (see :mod:`ssm_ts.tracking.preflight`).

    With an sqlite store, an experiment this creates keeps its artifacts beside the database file
    (:func:`sqlite_artifact_location`: ``<db folder>/mlruns/<experiment>``), not in the working
    directory. An experiment that already exists keeps the location it was created with (MLflow
    fixes it then); a server's experiments are where the server puts them.
    """
    from mlflow.exceptions import MlflowException

    from_environment = not tracking_uri and bool(os.environ.get(ENV_TRACKING_URI, "").strip())
    tracking_uri = tracking_uri or default_tracking_uri()
    try:
        check_tracking_uri(tracking_uri)
    except ConfigError as err:
        if not from_environment:
            raise
        # a URI nobody typed: a shell profile's or a team's setting, which the fix must name
        raise ConfigError(f"{err} {environment_uri_text(tracking_uri)}") from None
    experiment_name = run_experiment(experiment_name, tracking_uri)
    check_experiment_name(experiment_name)
    check_experiment_not_deleted(experiment_name, tracking_uri)
    if run_name is None and run_id is None:
        run_name = unseeded_run_name()
    if run_id is None:  # inside a user's `with mlflow.start_run():` the fit's run is its child
        tags = {**parent_run_tags(tracking_uri), **(tags or {})}
    try:
        return SSMTSMLFlowLogger(
            experiment_name=experiment_name,
            run_name=run_name,
            tracking_uri=tracking_uri,
            artifact_location=sqlite_artifact_location(tracking_uri, experiment_name),  # on creation only
            run_id=run_id,
            tags=dict(tags or {}),
            log_model=False,
        )
    except MlflowException as err:  # the store MLflow builds for the URI: none takes 'foo://x'
        raise ConfigError(unsupported_store_text(tracking_uri, err.message.strip())) from None


class SSMTSMLFlowLogger(MLFlowLogger):
    """Lightning's MLflow logger, logging each setting once, under the name the user gave it
    (``model.lookback``, ``data.batch_size``, ``forecaster.lr``): :func:`log_params` logs them
    (:meth:`log_settings`). Lightning's own call at the start of every fit repeats the task's
    settings under bare names (``lookback``): a bare name whose setting is logged already under its
    group's name is left out; any other parameter (a user's own call) is logged as usual.

    A setting changed on resume (one that :func:`check_resumed_run` accepted, such as
    ``data.num_workers``) is not logged as a parameter either: MLflow keeps one value per parameter
    and would fail the fit. Its new value is a tag ``resumed.<n>.<setting>``."""

    changed_on_resume: frozenset[str] = frozenset()  # settings as the CLI names them: data.num_workers

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._settings: set[str] = set()  # the dotted names given to log_settings, logged or left out

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | Namespace) -> None:
        """Log ``params`` but a bare name of a setting :meth:`log_settings` had (``lookback`` of
        ``model.lookback``) and LightningCLI's ``_instantiator`` entry (how it builds the class)."""
        known = {name.split(".")[1] for name in self._settings if "." in name}
        params = {k: v for k, v in _convert_params(params).items() if k not in known and k != "_instantiator"}
        if params:
            super().log_hyperparams(params)

    @rank_zero_only
    def finalize(self, status: str = "success") -> None:
        """End the run as Lightning does; a failed or interrupted fit's within seconds and without an
        error of its own (:func:`~ssm_ts.tracking.quick_requests.quick_requests`): the store may be what
        failed (a server gone), and MLflow's retries hung the command for minutes, Ctrl-C ignored, then
        raised a connection error in place of the fit's own."""
        if status in ("success", "finished"):
            super().finalize(status)
            return
        try:
            with quick_requests():
                super().finalize(status)
        except Exception:  # noqa: BLE001 (best effort: the error that failed the fit is the one to report)
            pass

    @rank_zero_only
    def log_settings(self, params: Mapping[str, Any]) -> None:
        """Log flat, dotted ``params`` (``{"model.lr": 0.01}``) but those :attr:`changed_on_resume`
        names (a setting, and its nested keys: a dict then, ``None`` now, or another one)."""
        self._settings.update(params)
        kept = {
            name: value
            for name, value in params.items()
            if not any(name == out or name.startswith(f"{out}.") for out in self.changed_on_resume)
        }
        if kept:
            super().log_hyperparams(kept)


class RecordMLflowRun(Callback):
    """Store in every checkpoint what a resumed fit checks: the MLflow run's id, so it continues the
    same run, a content fingerprint of the data files or DataFrame (:mod:`ssm_ts.tracking.resume_settings`),
    so a moved data file can be told from another one, a Python front end's ``settings`` (plain
    values), so a resume can refuse changed ones with or without MLflow, and what the data module's
    inferred settings resolved to (:data:`~ssm_ts.tracking.resume_settings.RESOLVED_KEY`), so a resume
    that spells one out is no change."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        self.fingerprints: dict[str, dict[str, Any]] = {}
        self.resolved: dict[str, Any] = {}
        self.settings = settings

    def on_fit_start(self, trainer, pl_module) -> None:
        # once per fit, of the files as they were read (a data set's name as its file in the data home)
        if trainer.is_global_zero and trainer.datamodule is not None:
            self.fingerprints = datamodule_fingerprints(trainer.datamodule)
            self.resolved = resolved_data_settings(trainer.datamodule)  # set up by now

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        for logger in trainer.loggers:
            if isinstance(logger, MLFlowLogger) and logger.run_id:
                checkpoint[CHECKPOINT_RUN_KEY] = {"run_id": logger.run_id, "experiment": logger.name}
        if self.fingerprints:
            checkpoint[FINGERPRINT_KEY] = self.fingerprints
        if self.resolved:
            checkpoint[RESOLVED_KEY] = self.resolved
        if self.settings is not None:
            checkpoint[SETTINGS_KEY] = self.settings


def mlflow_run_of_checkpoint(checkpoint: dict[str, Any]) -> str | None:
    """The MLflow run id a checkpoint was written under (or ``None``)."""
    return (checkpoint.get(CHECKPOINT_RUN_KEY) or {}).get("run_id")


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested params as dotted names, as Lightning's ``MLFlowLogger`` flattens them (with ``/``): a list
    of dicts (``trainer_options.callbacks`` as ``class_path``/``init_args``) by index, ``callbacks.0.class_path``."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        elif isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            for i, item in enumerate(value):
                flat.update(_flatten(item, f"{name}.{i}."))
        else:
            flat[name] = value
    return flat


def log_params(logger: MLFlowLogger, params: Mapping[str, Any]) -> None:
    """Log (nested) parameters, flattened to dotted names (``model.d_state``)."""
    if isinstance(logger, SSMTSMLFlowLogger):
        logger.log_settings(_flatten(params))
    else:
        logger.log_hyperparams(_flatten(params))


def check_resumed_run(
    logger: MLFlowLogger,
    run_id: str,
    params: Mapping[str, Any],
    accepted: Collection[str] = (),
    free_hint: Collection[str] | None = None,
    same: Collection[str] = (),
) -> dict[str, tuple[str, str]]:
    """Before a resumed fit logs into run ``run_id`` (``logger``'s): a :class:`ConfigError` when the
    store does not hold the run, or when ``params`` (nested, as :func:`log_params` takes them) differ
    from the values the run logged; MLflow keeps one value per parameter and refused them mid-fit
    with a traceback. Values are compared, not their text (:func:`~ssm_ts.tracking.resume_settings.same_logged_value`:
    a list logged as a tuple, ``0`` logged as ``0.0`` is no change), and a setting whose nested
    values appear or go (``None`` then, a dict now) differs as a whole. Settings named in
    ``accepted`` (dotted: ``data.num_workers``; a name also accepts the parameters under it:
    ``forecaster.trainer_options``) may differ: each new value is logged as a tag
    ``resumed.<n>.<setting>`` (``n`` counts the run's resumes with changes; a nested setting whose
    keys changed is tagged under its own name, with its whole new value) and the logger leaves the
    parameter as the run logged it, as it does a value given in another form. A refusal lists
    ``free_hint`` as the settings that may differ (default: the runtime settings of ``params``, as
    the CLI names them). Settings in ``same`` (dotted) were found to train the same in another form
    (a value the fit inferred, spelled out: ``data.time_col`` None then, ``"date"`` now): no change,
    neither tagged nor logged again. Returns the accepted changes, ``{setting: (run's value, new value)}``."""
    from mlflow.exceptions import MlflowException

    try:
        run = logger.experiment.get_run(run_id)  # .experiment looks the run up
    except MlflowException as err:
        raise ConfigError(
            f"the checkpoint continues MLflow run {run_id}, which {logger._tracking_uri} does not "
            f"hold ({err.error_code}); pass the tracking URI the fit logged to, or start a new fit."
        ) from None
    # as MLFlowLogger.log_hyperparams stores them: text, at most 250 characters; nested names as
    # Lightning joined them in older runs ("model_options/d_model") compared in dotted form
    logged = {k.replace("/", "."): v for k, v in run.data.params.items()}
    flat = _flatten(params)
    changed, reformatted = _run_param_changes(logged, params, flat, accepted)
    for key in [k for k in changed if k in same]:  # the same training, in another form
        reformatted.add(key)
        del changed[key]
    free = {k for k in changed if any(k == a or k.startswith(f"{a}.") for a in accepted)}
    refused = {k: values for k, values in changed.items() if k not in free}
    if refused:
        listed = "; ".join(f"{k}: {old} in the run, {new} now" for k, (old, new) in refused.items())
        if free_hint is None:
            free_hint = [k for k in RUNTIME_SETTINGS if k in accepted and k in flat]  # this fit's
        raise ConfigError(
            f"resuming continues MLflow run {run_id}, but its parameters differ ({listed}); "
            "MLflow keeps one value per parameter. Resume with the run's values, or start a new fit"
            + (
                f" (settings that only change how it runs may differ: {', '.join(free_hint)})."
                if free_hint
                else "."
            )
        )
    kept = {k: values for k, values in changed.items() if k in free}
    if kept:
        prefix = f"resumed.{_resume_count(run.data.tags) + 1}"
        for key, (_, new) in kept.items():
            logger.experiment.set_tag(run_id, f"{prefix}.{key}", new)
    if isinstance(logger, SSMTSMLFlowLogger):  # a value in another form is left as the run logged it
        logger.changed_on_resume = frozenset({*kept, *reformatted})
    return kept


def _run_param_changes(
    logged: Mapping[str, str], params: Mapping[str, Any], flat: Mapping[str, Any], accepted: Collection[str]
) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """``({name: (logged text, new text)}, names given in another form only)`` of a resume's ``params``
    (``flat``: flattened) against the run's ``logged`` ones. A name the run never logged is no
    change (a setting new since the run's version, or an unset value), unless the run logged the
    setting above it as one value only (``None``, ``"balanced"``: one value then, nested values
    now), or, for a name in ``accepted``, other keys under it (its nested keys changed). A name the
    run logged both as one value and with nested keys is two params that share it (the CLI's
    ``model.*`` section and, in older runs, Lightning's ``model``, the task's model name): its
    section gaining a key is no change."""
    changed: dict[str, tuple[str, str]] = {}
    reformatted: set[str] = set()

    def text(value: Any) -> str:
        return str(value)[:250]

    def compare(name: str, old: str, new: Any) -> None:
        if old == text(new):
            return
        if same_logged_value(old, new):
            reformatted.add(name)
        else:
            changed[name] = (old, text(new))

    def keys(names: Collection[str], name: str) -> set[str]:  # name's own, and its nested ones
        return {k for k in names if k == name or k.startswith(f"{name}.")}

    whole: set[str] = set()  # settings compared as a whole: their nested keys differ from the run's
    for name in accepted:
        logged_keys, now_keys = keys(logged, name), keys(flat, name)
        if not now_keys and _nested(params, name, None) == {}:  # an empty dict has no flattened key
            now_keys = {name}
        if logged_keys and now_keys and logged_keys != now_keys:
            whole.add(name)
            compare(name, text(_nested_text(logged, name)), _nested(params, name))
    for key, value in flat.items():
        if any(key == w or key.startswith(f"{w}.") for w in whole):
            continue
        if key in logged:
            compare(key, logged[key], value)
            continue
        # one value then (None, "balanced"), nested values now; a parent the run also logged nested
        # keys of was a section (the CLI's model.*; its "model" param is the task's model name),
        # and this key is a setting new since the run's version: no change
        parent = next((p for p in _parents(key) if p in logged and not _has_nested(logged, p)), None)
        if parent is not None and parent not in changed:
            changed[parent] = (logged[parent], text(_nested(params, parent)))
    for key in logged:  # nested values then, one value now (None); not a section that also has a value
        parent = next((p for p in _parents(key) if p in flat and p not in whole and p not in logged), None)
        if parent is not None and parent not in changed:
            changed[parent] = (text(_nested_text(logged, parent)), text(flat[parent]))
    return changed, reformatted


def _has_nested(names: Collection[str], name: str) -> bool:
    """Whether ``names`` hold a key nested under ``name`` (``model.lr`` under ``model``)."""
    return any(k.startswith(f"{name}.") for k in names)


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _nested(params: Mapping[str, Any], name: str, missing: Any = ...) -> Any:
    """The value of a dotted ``name`` in nested ``params`` (``missing`` when it has none, if given)."""
    value: Any = params
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            if missing is ...:
                raise KeyError(name)
            return missing
        value = value[part]
    return value


def _nested_text(logged: Mapping[str, str], name: str) -> Any:
    """The run's logged value of ``name``: its text, or a dict of its nested keys' texts."""
    if name in logged:
        return logged[name]
    return {k[len(name) + 1 :]: v for k, v in logged.items() if k.startswith(f"{name}.")}


def _resume_count(tags: Mapping[str, str]) -> int:
    """How many resumes with changed settings a run's tags record (``resumed.<n>.<setting>``)."""
    counts = [int(key.split(".")[1]) for key in tags if re.fullmatch(r"resumed\.\d+\..+", key)]
    return max(counts, default=0)


def log_artifact(logger: MLFlowLogger, path: str | os.PathLike, artifact_dir: str | None = None) -> None:
    """Upload a local file or folder to the run's artifacts."""
    path = Path(path)
    if path.is_dir():
        logger.experiment.log_artifacts(logger.run_id, str(path), artifact_dir)
    else:
        logger.experiment.log_artifact(logger.run_id, str(path), artifact_dir)


def log_dict_artifact(logger: MLFlowLogger, data: Mapping[str, Any], name: str) -> None:
    """Log a dict as a JSON or YAML artifact (by ``name``'s suffix: ``config.yaml``, ``summary.json``)."""
    logger.experiment.log_dict(logger.run_id, json.loads(json.dumps(data, default=str)), name)


def log_figure(logger: MLFlowLogger, figure: Any, name: str) -> None:
    """Log a matplotlib figure as an image artifact (``name`` like ``plots/forecast.png``)."""
    logger.experiment.log_figure(logger.run_id, figure, name)


def log_pyfunc_model(
    logger: MLFlowLogger,
    python_model: Any,
    artifacts: Mapping[str, str],
    name: str = "model",
    register_as: str | None = None,
    input_example: Any = None,
    signature: Any = None,
) -> str:
    """Log an ``mlflow.pyfunc.PythonModel`` into the logger's run; return its model URI.

    ``artifacts`` maps names to local paths (an export folder, a checkpoint) that MLflow copies in
    and hands to ``load_context``. ``register_as`` also registers it in the model registry.
    ``input_example`` (e.g. a DataFrame of what ``predict`` takes) is stored with the model, and
    MLflow infers the model's signature from it (running ``predict`` on it once) unless
    ``signature`` (an ``mlflow.models.ModelSignature``) is given.
    """
    import mlflow
    from mlflow.models import Model

    from ssm_ts import __version__

    previous_uri = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(logger._tracking_uri)
    try:
        # Into the logger's run by its id, its model in the run's experiment (a model MLflow creates goes to
        # the active run's experiment, else the default one): the run stays open for Lightning, and a run
        # the user has active (`with mlflow.start_run():` around the fit) stays theirs and active;
        # attaching the logger's run refused to start beside it ("Run ... is already active").
        run = logger.experiment.get_run(logger.run_id)
        model = mlflow.initialize_logged_model(
            name=name,
            source_run_id=run.info.run_id,
            experiment_id=run.info.experiment_id,
            params={key: str(value) for key, value in run.data.params.items()},  # as log_model copies them
        )
        info = Model.log(  # mlflow.pyfunc.log_model's own call, which takes run_id and model_id
            artifact_path=None,
            run_id=run.info.run_id,
            model_id=model.model_id,
            flavor=mlflow.pyfunc,
            name=name,
            python_model=python_model,
            artifacts=dict(artifacts),
            registered_model_name=register_as,
            input_example=input_example,
            signature=signature,
            # Explicit requirements: inference would import-scan the model in a subprocess.
            pip_requirements=[f"ssm-ts=={__version__}"],
        )
    finally:
        mlflow.set_tracking_uri(previous_uri)
    return info.model_uri
