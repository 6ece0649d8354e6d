"""The Optuna study of a :func:`~ssm_ts.tune_forecaster` search, kept in a storage so that a search
stopped by Ctrl-C, a crash or a killed machine continues where it stopped.

A study in a storage (Optuna's RDB storage; ``sqlite:///optuna.db``) keeps every finished trial.
Opening it again (the same ``storage`` and ``study_name``) continues it, as
``optuna.create_study(storage=..., study_name=..., load_if_exists=True)`` does, after three checks
and repairs done here:

- the search must be the same: its space and the fixed settings that change what a trial's
  ``val_loss`` means (model, horizon, max_epochs, ...) are stored with the study, and another one is
  a :class:`~ssm_ts.errors.ConfigError` naming what differs and the fix (a new ``study_name``);
- so must the data: a content fingerprint of the CSV or DataFrame searched (sha256, as a resumed
  fit's checkpoint keeps, :mod:`ssm_ts.tracking.resume_settings`) is stored with the study, and other
  data is a :class:`~ssm_ts.errors.ConfigError` naming the data then and now: the study's trials, and
  the model chosen from them, were trained and scored on the data it searched (the same file moved is
  the same data);
- a trial left RUNNING by a process that ended without finishing it (killed) is marked FAIL, as
  Optuna's ``fail_stale_trials`` does;
- an interrupted trial (Ctrl-C, or left RUNNING) is queued again with its settings, as Optuna's
  ``RetryFailedTrialCallback`` does, so the continued search runs it first; that rerun resumes the
  ``last.ckpt`` in the interrupted trial's folder (:func:`~ssm_ts.api.tuning.tune_forecaster`), so the
  epochs it trained are not trained again.

One process runs a study at a time: a second search opening a study that another still runs would
mark that one's running trial FAIL.

Studies may share an ``out_dir`` (CLI: ``--out``): each keeps its files in its own folder
(:func:`study_folder`): ``out_dir`` itself for the default study name, ``out_dir/<study_name>/`` for
another, trial ``n``'s checkpoints and model in ``trial-<n>/`` there. A kept trial's export holds
:data:`TRIAL_FILE`, which study (its name and :data:`UID_KEY`) and trial fitted it with which values; a
continued search checks it before loading an earlier run's best trial (:func:`check_trial_export`),
and refuses to write into a folder holding another stored study's trial models
(:func:`check_folder_is_free`). A study made before this record keeps its ``out_dir/trial-<n>``
folders (the exports its trials recorded); its new trials go to its study folder.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.errors import ConfigError, TrainingError

if TYPE_CHECKING:
    import optuna

DEFAULT_STUDY_NAME = "forecast-tune"
SPACE_KEY = "ssm_ts.space"  # study user attribute: the searched names and what each searches
SETTINGS_KEY = "ssm_ts.settings"  # study user attribute: the fixed settings that make trials comparable
RUN_KEY = "ssm_ts.mlflow_run_id"  # study user attribute: the search's MLflow parent run
# study user attribute: the searched data's fingerprint, {"data.path": {"path", "sha256"}} for a file
# or {"data.frame": {"sha256", "shape", "columns", "dtypes"}} for a DataFrame (datamodule_fingerprints)
DATA_KEY = "ssm_ts.data"
# study user attribute: a random id, set when the study is first opened by a search that keeps it; tells
# a study from another of the same name (another storage, or one deleted and made again)
UID_KEY = "ssm_ts.study_uid"
# in a kept trial's export: {"study", "study_uid", "storage", "trial", "values"}, whose model it is
TRIAL_FILE = "tune_trial.json"
RECORDED_KEY = "export_recorded"  # trial user attribute: its export holds TRIAL_FILE (else: made before)
INTERRUPTED_KEY = "interrupted"  # trial user attribute: stopped before it finished, queued again
RETRY_KEY = "retry_of"  # trial user attribute: the number of the interrupted trial it runs again
# trial user attribute: {"trial", "checkpoint", "epoch"}: it resumed that interrupted trial's checkpoint
RESUMED_KEY = "resumed"
INTERRUPTED_BY_CTRL_C = "interrupted (Ctrl-C)"  # its settings run again when the search continues
LEFT_RUNNING = "interrupted (its process ended while it ran: killed, crashed)"
FIX = (
    "continue it with the same settings, or give a new study_name (CLI: --study_name) to start another search"
)


def storage_url(storage: str | Any) -> str | Any:
    """``storage`` as Optuna takes it: a database URL as given; a plain path (``"optuna.db"``) as the
    sqlite URL of that file; an ``optuna.storages`` object as it is."""
    if isinstance(storage, Path) or (isinstance(storage, str) and "://" not in storage):
        if not str(storage).strip():
            raise ConfigError("storage is empty: give a database URL (sqlite:///optuna.db) or None.")
        return f"sqlite:///{Path(storage).expanduser().absolute().as_posix()}"
    return storage


def shown(storage: Any) -> str:
    """The storage as a user reads it: a URL without its password, or the object's class."""
    if not isinstance(storage, str):
        return type(storage).__name__
    try:
        from sqlalchemy.engine import make_url

        return make_url(storage).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 (not a URL sqlalchemy reads: shown as given)
        return storage


def open_study(
    storage: Any,
    study_name: str | None,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    space: list[dict[str, Any]],
    settings: dict[str, Any],
    data: Mapping[str, Any] | None = None,
) -> optuna.Study:
    """The study ``study_name`` in ``storage`` (created, or continued after :func:`check_same_search`
    and :func:`check_same_data`), or a new in-memory study when ``storage`` is ``None``. ``space``,
    ``settings`` (plain JSON values) and ``data`` (the searched data's fingerprint, see
    :data:`DATA_KEY`; ``{}`` or ``None``: none known) are stored with a new study; a study made before
    ssm-ts kept the data's fingerprint gets this one."""
    import optuna

    if storage is None:
        return optuna.create_study(
            direction="minimize", sampler=sampler, pruner=pruner, study_name=study_name
        )
    storage = storage_url(storage)
    name = study_name or DEFAULT_STUDY_NAME
    where = f"study {name!r} in {shown(storage)}"
    if isinstance(storage, str):
        storage = _rdb_storage(storage)
    study = optuna.create_study(
        storage=storage, study_name=name, load_if_exists=True, direction="minimize", sampler=sampler,
        pruner=pruner,
    )  # fmt: skip
    if SPACE_KEY in study.user_attrs:
        check_same_search(study, space, settings, where)
        check_same_data(study, data or {}, where)
        if data and DATA_KEY not in study.user_attrs:  # made before the fingerprint was kept
            study.set_user_attr(DATA_KEY, dict(data))
    elif study.trials:
        raise ConfigError(
            f"{where} holds {len(study.trials)} trials of another search (not made by tune_forecaster); "
            "give a new study_name (CLI: --study_name) or another storage."
        )
    else:
        _check_direction(study, where)
        study.set_user_attr(SPACE_KEY, space)
        study.set_user_attr(SETTINGS_KEY, settings)
        if data:
            study.set_user_attr(DATA_KEY, dict(data))
    return study


def _rdb_storage(url: str) -> optuna.storages.BaseStorage:
    """Optuna's RDB storage at ``url``; an sqlite file's folder is created. One it cannot open is a
    :class:`ConfigError` naming the URL."""
    import optuna

    from ssm_ts.tracking.preflight import sqlite_path

    db_path = sqlite_path(url)
    if db_path is not None and str(db_path) not in ("", ":memory:"):
        db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return optuna.storages.RDBStorage(url)
    except Exception as error:  # noqa: BLE001 (sqlalchemy's errors, by driver)
        raise ConfigError(
            f"storage {shown(url)}: Optuna cannot open it ({type(error).__name__}: {error}); give a database URL "
            "such as sqlite:///optuna.db in a writable folder (CLI: --storage), or storage=None to keep the "
            "study in memory."
        ) from None


def _check_direction(study: optuna.Study, where: str) -> None:
    import optuna

    directions = study.directions
    if directions != [optuna.study.StudyDirection.MINIMIZE]:
        names = ", ".join(d.name.lower() for d in directions)
        raise ConfigError(
            f"{where} was created to {names}; a search minimises the validation loss. Give a new study_name "
            "(CLI: --study_name) or another storage."
        )


def check_same_search(
    study: optuna.Study, space: list[dict[str, Any]], settings: dict[str, Any], where: str
) -> None:
    """A :class:`ConfigError` naming each searched name and fixed setting that differs from those the
    study was started with: its trials' ``val_loss`` would not compare with the new ones."""
    _check_direction(study, where)
    old_space = {p["name"]: p for p in study.user_attrs[SPACE_KEY]}
    new_space = {p["name"]: p for p in space}
    changes = [
        f"{name}: {_space_text(old_space.get(name))} then, {_space_text(new_space.get(name))} now"
        for name in sorted(set(old_space) | set(new_space), key=list({**old_space, **new_space}).index)
        if old_space.get(name) != new_space.get(name)
    ]
    if changes:
        raise ConfigError(f"{where} searched another space: {'; '.join(changes)}. {_fix(FIX)}")
    old_settings = study.user_attrs.get(SETTINGS_KEY, {})
    # a Forecaster setting new since the ssm-ts that stored the study trained its trials with its default
    new_since = _settings_new_since(old_settings, settings)
    changed = [
        _new_setting_text(key, new_since[key], settings[key])
        if key in new_since
        else f"{key}: {json.dumps(old_settings.get(key))} then, {json.dumps(settings.get(key))} now"
        for key in sorted(set(old_settings) | set(settings))
        if {**new_since, **old_settings}.get(key) != settings.get(key)
    ]
    if changed:
        raise ConfigError(
            f"{where} was run with other fixed settings ({'; '.join(changed)}): its trials' val_loss would not "
            f"compare with new ones. {_fix(FIX)}"
        )


def _settings_new_since(old: Mapping[str, Any], now: Mapping[str, Any]) -> dict[str, Any]:
    """The Forecaster settings of ``now`` that the study's record ``old`` lacks (stored by an ssm-ts
    before they existed), each with its default, which the study's trials trained with."""
    from ssm_ts.api.forecaster import Forecaster
    from ssm_ts.tracking.resume_settings import init_defaults, settings_new_since

    return settings_new_since(old, now, init_defaults(Forecaster))


def _new_setting_text(key: str, default: Any, value: Any) -> str:
    return (
        f"{key}: not in the study (made before this setting existed; its trials trained with the default "
        f"{json.dumps(default)}), {json.dumps(value)} now"
    )


def check_same_data(study: optuna.Study, data: Mapping[str, Any], where: str) -> None:
    """A :class:`ConfigError` naming the data then and now when ``data`` (a fingerprint, see
    :data:`DATA_KEY`) is not the data the study searched: its trials' ``val_loss``, and the model a
    continued search would choose from them, are of that data. The same content elsewhere (a moved
    file) is the same data; without a fingerprint on either side (a study made before ssm-ts kept one,
    data over the size it hashes) there is nothing to compare, or only the path."""
    then = study.user_attrs.get(DATA_KEY) or {}
    if not then or not data:
        return
    (old,), (new,) = then.values(), data.values()  # one file, or one DataFrame
    old_path, new_path = old.get("path"), new.get("path")
    if old.get("sha256") and new.get("sha256"):
        if old["sha256"] == new["sha256"]:
            return
    elif old_path is not None and old_path == new_path:
        return  # a file too large to hash: the same one, as far as can be told
    if old_path is not None and new_path is not None:
        reason = "the file changed since" if old_path == new_path else "other content"
    elif old_path is None and new_path is None:
        reason = "the same shape, other values" if old.get("shape") == new.get("shape") else "another shape"
    else:
        reason = "a file then, a DataFrame now" if new_path is None else "a DataFrame then, a file now"
    raise ConfigError(
        f"{where} searched other data: {_data_text(old)} then, {_data_text(new)} now ({reason}). Its trials "
        "were trained and scored on that data, and a continued search would choose its model from them. "
        "To search this data, start another search: CLI: a new --study_name (its outputs go to "
        "<out>/<study_name>/) or a new --out; Python: a new study_name= (its trials go to "
        "<out_dir>/<study_name>/). To continue that search, pass the data it searched."
    )


def _data_text(fingerprint: Mapping[str, Any]) -> str:
    """A data fingerprint as a message says it: the file's path, or the DataFrame's shape."""
    from ssm_ts.tracking.resume_settings import describe_frame

    return describe_frame(fingerprint) if fingerprint.get("path") is None else str(fingerprint["path"])


def _fix(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def _space_text(entry: Mapping[str, Any] | None) -> str:
    if entry is None:
        return "not searched"
    if entry.get("choices") is not None:
        return f"choices {json.dumps(entry['choices'])}"
    text = f"range {entry['low']}..{entry['high']}"
    return (
        text
        + (" (log)" if entry.get("log") else "")
        + (f" step {entry['step']}" if entry.get("step") else "")
    )


def fail_left_running(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """Mark FAIL the trials a process that ended without finishing them left RUNNING (one process runs
    a study at a time: none of them runs now); return them, as they were."""
    import optuna

    # the study's own storage object (Optuna caches trials in it), as optuna.storages.fail_stale_trials
    # uses it: Optuna has no public call to fail a trial another process left RUNNING
    storage = study._storage
    study_id = storage.get_study_id_from_name(study.study_name)
    left = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    for trial in left:
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
        storage.set_trial_user_attr(trial_id, "error", LEFT_RUNNING)
        storage.set_trial_user_attr(trial_id, INTERRUPTED_KEY, True)
        storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)
    return left


def queue_interrupted(study: optuna.Study) -> list[int]:
    """Queue each interrupted trial that is not queued or run again yet, with its settings (and, for a
    grid, its grid point), so the continued search runs it first; return their numbers."""
    import optuna

    retried = {t.user_attrs.get(RETRY_KEY) for t in study.trials}
    queued = []
    for trial in study.trials:
        if not trial.user_attrs.get(INTERRUPTED_KEY) or trial.number in retried:
            continue
        study.add_trial(
            optuna.trial.create_trial(
                state=optuna.trial.TrialState.WAITING, params=trial.params, distributions=trial.distributions,
                user_attrs={RETRY_KEY: trial.number}, system_attrs=dict(trial.system_attrs),
            )
        )  # fmt: skip
        queued.append(trial.number)
    return queued


def counted(study: optuna.Study) -> int:
    """The trials that count toward ``n_trials``: finished ones (complete, pruned, or failed by their
    settings), not interrupted ones, whose settings are queued to run again."""
    return sum(1 for t in study.trials if t.state.is_finished() and not t.user_attrs.get(INTERRUPTED_KEY))


# ------------------------------------------------------------------ where a study's trials are kept


def study_folder(out_dir: str | Path | None, study_name: str | None) -> Path | None:
    """The folder of the study ``study_name``'s files in ``out_dir`` (``None``: none set): ``out_dir``
    itself for the default study (``None`` or :data:`DEFAULT_STUDY_NAME`), ``out_dir/<study_name>``
    for another (characters a folder name cannot hold as ``_``), so that studies sharing ``out_dir``
    never write over each other's trial models."""
    if out_dir is None:
        return None
    if study_name is None or study_name == DEFAULT_STUDY_NAME:
        return Path(out_dir)
    return Path(out_dir) / (re.sub(r"[^\w.-]+", "_", study_name).strip("._") or "study")


def study_uid(study: optuna.Study) -> str:
    """The study's random id (:data:`UID_KEY`), set now for a new study or one made before ssm-ts kept it."""
    uid = study.user_attrs.get(UID_KEY)
    if not uid:
        uid = uuid.uuid4().hex
        study.set_user_attr(UID_KEY, uid)
    return uid


def write_trial_record(
    export: Path, study: optuna.Study, trial: optuna.Trial, values: Mapping[str, Any], storage: Any
) -> None:
    """Write :data:`TRIAL_FILE` into ``export``, trial ``trial``'s model: whose it is, checked when a
    continued search loads it; the trial notes that its export holds one (:data:`RECORDED_KEY`)."""
    record = {"study": study.study_name, "study_uid": study_uid(study), "storage": _kept_in(storage),
              "trial": trial.number, "values": dict(values)}  # fmt: skip
    (Path(export) / TRIAL_FILE).write_text(json.dumps(record, indent=1, default=str))
    trial.set_user_attr(RECORDED_KEY, True)


def read_trial_record(export: Path) -> dict[str, Any] | None:
    """The :data:`TRIAL_FILE` of ``export`` (``None``: it has none, or one JSON cannot read)."""
    try:
        record = json.loads((Path(export) / TRIAL_FILE).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def check_trial_export(export: Path, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
    """A :class:`TrainingError` when ``export`` is not the model ``trial`` of ``study`` fitted: its
    :data:`TRIAL_FILE` names another study or trial, or other values, or it has none though the trial
    wrote one (a search of an earlier ssm-ts wrote over it). An export from before the record (the
    trial noted none) passes here; its saved settings are compared by the caller."""
    record = read_trial_record(export)
    if record is None:
        if trial.user_attrs.get(RECORDED_KEY):
            raise not_its_model(export, trial, f"it holds no {TRIAL_FILE}, which the trial wrote there")
        return
    ours = {"study": study.study_name, "trial": trial.number, "values": trial.user_attrs.get("values")}
    theirs = {key: record.get(key) for key in ours}
    uid = study.user_attrs.get(UID_KEY)
    if theirs != ours or (uid and record.get("study_uid") and record["study_uid"] != uid):
        same_name = theirs["study"] == ours["study"]
        other = "another study of that name" if same_name and theirs == ours else f"study {theirs['study']!r}"
        raise not_its_model(
            export, trial, f"its {TRIAL_FILE} says {other} (in {record.get('storage')}), trial "
            f"{theirs['trial']} ({theirs['values']}) fitted it",
        )  # fmt: skip


def not_its_model(export: Path, trial: optuna.trial.FrozenTrial, why: str) -> TrainingError:
    """The error for an earlier run's best trial whose export holds another model (``why``)."""
    return TrainingError(
        f"the best trial, {trial.number} ({trial.user_attrs.get('values')}, val_loss {trial.value:.6g}), was "
        f"fitted by an earlier run of this search, but the model at {export} is not its model: {why}. Another "
        "search wrote into the same folder (earlier ssm-ts versions named trial folders by number only, "
        "whatever the study). It is not loaded: fit Forecaster(**settings) with the trial's settings, or "
        "start a new search (a new study_name)."
    )


def check_folder_is_free(folder: Path | None, study: optuna.Study, storage: Any) -> None:
    """A :class:`ConfigError` when ``folder`` (the study's, :func:`study_folder`) holds trial models of
    another stored study (their :data:`TRIAL_FILE` names another study id) in the ``trial-<n>`` folders
    this search's new trials would write over: that study, continued, would find another model in
    their place. (The folders of the study's own trial numbers are never written again; a model there
    is checked when it is loaded.)"""
    if folder is None or not folder.is_dir():
        return
    uid = study.user_attrs.get(UID_KEY)
    others: dict[tuple[str, str], list[str]] = {}
    for path in sorted(folder.glob(f"trial-*/export/{TRIAL_FILE}")):
        number = path.parent.parent.name.removeprefix("trial-")
        if not number.isdigit() or int(number) < len(study.trials):
            continue
        record = read_trial_record(path.parent)
        if record and record.get("study_uid") and record["study_uid"] != uid:
            key = (str(record.get("study")), str(record.get("storage")))
            others.setdefault(key, []).append(path.parent.parent.name)
    if not others:
        return
    (name, where), trials = next(iter(others.items()))
    raise ConfigError(
        f"{folder} holds the trial models of another stored study, {name!r} in {where} ({', '.join(trials[:5])}"
        f"{', ...' if len(trials) > 5 else ''}); study {study.study_name!r} in {_kept_in(storage)} would write "
        "its trials over them, and that study, continued, would load them as its own. Give this search its "
        "own study_name (CLI: --study_name; its files then go to <out>/<study_name>/) or another out_dir "
        "(CLI: --out). If that study is gone for good, delete those trial folders."
    )


def _kept_in(storage: Any) -> str:
    """Where a study is kept, as a message says it: its storage's URL (or class), or memory."""
    return "memory" if storage is None else shown(storage_url(storage))
