"""The data settings validate/test/predict took from the checkpoint, named after an error reading the
data: they may not fit another file given by --config or --data.path."""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssm_ts.cli.checkpoint_defaults import comparable
from ssm_ts.errors import ConfigError, SSMTSError

# data settings of how the data is batched and loaded, never of how it is read
BATCHING_SETTINGS = frozenset({"batch_size", "eval_batch_size", "num_workers", "shuffle_seed", "seed"})

# data settings that name the files read (a use's data module has some of them); forecast predict's
# --futr_path first: its errors name the history file too, and the file at fault is the future table
FILE_SETTINGS = ("futr_path", "data.test_path", "data.path", "data.root")

# the fit's test / predict files, restored only with its data.path: given another data.path (--config or
# command line), the checkpoint's test file would be read in its place, silently
COMPANION_FILES = ("data.test_path", "data.predict_path")

# the setting of how a CSV is read (separator, decimal mark, date format): the fit's may not read another file
READ_OPTIONS = "data.read_options"

# data settings of which recordings validate, never of how a file is read: named after an error only when
# it names them (a validation split that cannot be taken), and group_col also when a stream is cut into
# windows (data.window), whose rows it groups; on a folder or a file it only splits the fit
SPLIT_SETTINGS = ("data.val_fraction", "data.group_col")
# whether the command cuts its data into windows (data.window set), as remember_restored_settings saw it
WINDOWED: dict[str, bool] = {"data.window": False}

# data settings of validate/test/predict taken from the checkpoint (reset by each main call)
RESTORED_DATA_SETTINGS: dict[str, Any] = {}
# the FILE_SETTINGS given beside them (--config or command line), not the checkpoint's: which one gave
# the file an error names (reset with each checkpoint's restored settings)
GIVEN_FILE_SETTINGS: dict[str, Any] = {}
# the files the fit read, as absolute paths (its checkpoint's fingerprints): {"data.path": "/runs/co2.csv"}
FIT_FILE_PATHS: dict[str, str] = {}
# a fitted forecaster's series spec and how the command reads its data with it, for an error reading a
# file that holds the fitted columns under other names: {"spec": {...}, "files": ["other.csv"],
# "read_options": {...} or None} (set by check_fitted_data_settings, reset by each main call)
FITTED_READ: dict[str, Any] = {}


def forget_run_settings() -> None:
    """Empty what the last command recorded here (restored settings, the files given and fitted, the
    fitted read), so that a second ``main`` call in one process (a notebook, a test suite) is not judged
    by the first's."""
    for record in (RESTORED_DATA_SETTINGS, GIVEN_FILE_SETTINGS, FIT_FILE_PATHS, FITTED_READ):
        record.clear()
    WINDOWED["data.window"] = False


def remember_restored_settings(
    defaults: dict[str, Any],
    before: dict[str, Any],
    config: Any,
    fit_files: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Record in RESTORED_DATA_SETTINGS the checkpoint's data settings in effect: those of ``defaults``
    (the checkpoint's) that changed a default (``before``) and that ``config`` (parsed) did not override;
    and in FIT_FILE_PATHS where the fit found its files (``fit_files``: the checkpoint's fingerprints,
    ``{"data.path": {"path": ..., "sha256": ...}}``), for a relative path read from another folder."""
    WINDOWED["data.window"] = has_option_value(config, "data.window")
    FIT_FILE_PATHS.clear()
    FIT_FILE_PATHS.update({
        key: str(entry["path"]) for key, entry in (fit_files or {}).items()
        if isinstance(entry, Mapping) and entry.get("path")
    })  # fmt: skip
    RESTORED_DATA_SETTINGS.update({
        key: value for key, value in defaults.items()
        if comparable(value) != comparable(before[key])
        and comparable(config.get(key)) == comparable(value)
    })  # fmt: skip
    GIVEN_FILE_SETTINGS.clear()
    GIVEN_FILE_SETTINGS.update({
        key: config.get(key) for key in FILE_SETTINGS
        if has_option_value(config, key) and key not in RESTORED_DATA_SETTINGS
    })  # fmt: skip


def has_option_value(config: Any, key: str) -> bool:
    """Whether ``config`` (parsed) has a value for ``key`` (a use's data module may lack the option)."""
    try:
        return config.get(key) not in (None, "")
    except (KeyError, AttributeError):
        return False


def file_source(err: Exception) -> str | None:
    """The given file setting (``data.test_path``) whose file ``err`` names, if one does."""
    text = str(err)
    return next((key for key, value in GIVEN_FILE_SETTINGS.items() if str(value) in text), None)


def restored_settings_hint(err: SSMTSError) -> str:
    """For an error reading the data: which of its settings came from the checkpoint, and how to
    override them (they may not fit another file given by --config, --data.path or --data.test_path)."""
    from ssm_ts.errors import DataError, DataFileNotFoundError

    if isinstance(err, DataFileNotFoundError):
        return missing_restored_file_hint(err)
    # only the settings that say how the data is read: a batch size cannot be why a file fails
    restored = {
        key: value
        for key, value in RESTORED_DATA_SETTINGS.items()
        if key.rsplit(".", 1)[-1] not in BATCHING_SETTINGS and reads_data(key, err)
    }
    if not isinstance(err, DataError) or not restored:
        return ""
    listed = ", ".join(f"{key}={value!r}" for key, value in restored.items())
    source = file_source(err)
    # the file's own option when one given beside the restored settings named it (a restored data.path
    # is then no setting to change); an example among how the data is read
    came_from = f"the file came from --{source}; " if source else ""
    how = [key for key in restored if not source or key not in FILE_SETTINGS]
    at_fault = setting_at_fault(err, how, restored, GIVEN_FILE_SETTINGS.get(source) if source else None)
    if at_fault == READ_OPTIONS:
        example = (
            f", e.g. --{READ_OPTIONS} '{{}}' to detect how this file is written, or the options that read it"
        )
    else:
        example = f", e.g. --{at_fault} with the value for this file" if at_fault else ""
    return (
        f"\n({came_from}these data settings were the fit's, restored from the checkpoint: {listed}; for "
        f"other data override them{example})"
    )


def reads_data(key: str, err: Exception) -> bool:
    """Whether the data setting ``key`` may be why ``err`` (an error reading the data) was raised: not a
    :data:`SPLIT_SETTINGS` one (which recordings validate) unless ``err`` names it, or it is
    ``data.group_col`` of data cut into windows."""
    if key not in SPLIT_SETTINGS:
        return True
    leaf = key.rsplit(".", 1)[-1]
    return leaf in str(err) or (key == "data.group_col" and WINDOWED["data.window"])


def setting_at_fault(err: Exception, how: list[str], restored: dict[str, Any], given_file: Any) -> str | None:
    """The setting among ``how`` (restored ones that say how the data is read) the error ``err`` most
    likely came from, for the hint's example: the fit's ``read_options`` when the error names them (or
    one of their keys, ``date_format``), or when they read ``given_file`` (the file an option given
    now named) into other columns than detection does (a ``,`` file read with the fit's ``;``: "time
    column 'date' not found"); else the setting whose value the error quotes first; else the first."""
    text = str(err)
    options = restored.get(READ_OPTIONS)
    if READ_OPTIONS in how and isinstance(options, Mapping) and options:
        named = "read_options" in text or any(re.search(rf"\b{re.escape(str(k))}\b", text) for k in options)
        if named or misreads(given_file, options):
            return READ_OPTIONS
    # the value quoted first: "has no column 'OT'; columns are ['date', 'oil']" is of the target
    at = {key: text.find(repr(restored[key])) for key in how if isinstance(restored[key], str)}
    quoted = sorted((place, key) for key, place in at.items() if place >= 0)
    return quoted[0][1] if quoted else (how[0] if how else None)


def misreads(path: Any, options: Mapping[str, Any]) -> bool:
    """Whether the CSV at ``path`` read with ``options`` has other columns than read by detection
    (its first rows only; ``False`` for no such CSV, or one neither reads)."""
    from ssm_ts.pipelines.csv_files import read_csv_file

    if not isinstance(path, (str, os.PathLike)) or not Path(path).is_file():
        return False
    try:
        detected = list(read_csv_file(Path(path), read_options={"nrows": 5}).columns)
    except Exception:  # noqa: BLE001 - no CSV: nothing to compare (the error says why it is not read)
        return False
    try:
        with_options = list(read_csv_file(Path(path), read_options={**options, "nrows": 5}).columns)
    except Exception:  # noqa: BLE001 - read by detection, not with the fit's options: those are at fault
        return True
    return with_options != detected


def same_file(given: Any, saved: Any) -> bool:
    """Whether the data path ``given`` (parsed) names the checkpoint's ``saved`` one (both may be a
    data set's name, a relative path or ``None``)."""
    if given is None or saved is None:
        return given is saved
    return str(given) == str(saved) or Path(str(given)).resolve() == Path(str(saved)).resolve()


def missing_restored_file_hint(err: Exception) -> str:
    """For a data file not found whose path came from the checkpoint (a relative ``co2.csv``, read from
    another folder than the fit's): say so, and name the file the fit read, as an option that works."""
    text = str(err)
    found = [
        (key, value)
        for key, value in RESTORED_DATA_SETTINGS.items()
        if key in FILE_SETTINGS and str(value) in text
    ]
    if not found:
        return ""
    key, value = found[0]
    fit_path = FIT_FILE_PATHS.get(key)
    if fit_path and Path(fit_path).exists():
        where = f"the fit read {fit_path}: pass --{key} {shlex.quote(fit_path)}, or run the command from the fit's folder"
    else:
        where = f"pass --{key} with the file's path"
    relative = "" if Path(str(value)).is_absolute() else f", and a relative path is read from {Path.cwd()}"
    return f"\n({key} {value!r} is the fit's, restored from the checkpoint{relative}; {where})"


# the data settings a fitted forecaster reads new data with (validate/test/predict), and the field of the
# checkpoint's series spec that holds each as the fit resolved it
FITTED_READ_SETTINGS = {
    "time_col": "time_col",
    "target": "targets",
    "past_covariates": "past_covariates",
    "future_covariates": "future_covariates",
    "freq": "freq",
    "fill": "fill",
    "id_col": "id_col",
    "value_col": "value_col",
}
_COLUMN_LISTS = ("target", "past_covariates", "future_covariates")


def fitted_spec(checkpoint: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The series spec a checkpoint's data module saved (a forecasting one's ``state_dict``: how the fit
    read its data); ``None`` for a data module without one."""
    for value in checkpoint.values():
        if isinstance(value, Mapping) and isinstance(value.get("spec"), Mapping):
            return value["spec"]
    return None


def _same_read_setting(name: str, given: Any, fitted: Any, tz: str | None = None) -> bool:
    """Whether the plain value ``given`` of the data setting ``name`` reads as the spec's ``fitted``:
    one column as a list of it (``OT``, ``['OT']``), the same columns in another order (the fit's
    order is the one read), a frequency in another spelling (``1h``, ``60min``, ``h``; ``24h`` for
    ``D`` on times of ``tz``, the fit's zone, without a daylight-saving change:
    :func:`~ssm_ts.pipelines.forecasting.freq_match.same_frequency`). A frequency pandas no longer reads
    (``H``) is its own error, naming the spelling to write, as a fit says."""
    from ssm_ts.tracking.resume_settings import same_setting

    if name in _COLUMN_LISTS:
        from ssm_ts.pipelines.forecasting.series import column_list

        return sorted(str(c) for c in column_list(given)) == sorted(str(c) for c in column_list(fitted))
    if name == "freq" and isinstance(given, str) and isinstance(fitted, str):
        from ssm_ts.pipelines.forecasting.freq_match import same_frequency

        try:
            return same_frequency(given, fitted, tz)
        except SSMTSError as err:  # a removed pandas alias: the error a fit gives, with its fix
            raise ConfigError(str(err)) from err
    return same_setting(given, fitted)


def check_fitted_data_settings(checkpoint: Mapping[str, Any], config: Any, use: str) -> None:
    """Validate/test/predict (of ``use``: ``ssm-ts forecast``) read the data with the columns,
    frequency and fill of the checkpoint's series spec (:func:`fitted_spec`): a setting of
    :data:`FITTED_READ_SETTINGS` given (``config``, parsed: --config or command line) with another value
    than the fit's, as given to it or as it resolved, would be replaced by it silently. It is a
    ConfigError naming the option, the fitted value and the given one; a ``None`` given (infer) and the
    other data settings (path, read_options, batch size, workers) are free."""
    from ssm_ts.tracking.resume_settings import plain_value, same_setting

    spec = fitted_spec(checkpoint)
    FITTED_READ.clear()
    if not spec:
        return
    FITTED_READ.update(
        spec=spec,
        files=[config.get(key) for key in FILE_SETTINGS if has_option_value(config, key)],
        read_options=dict(config.get(READ_OPTIONS)) if has_option_value(config, READ_OPTIONS) else None,
    )
    saved = checkpoint.get("datamodule_hyper_parameters") or {}
    conflicts = []
    for name, field in FITTED_READ_SETTINGS.items():
        key = f"data.{name}"
        if field not in spec or not has_option_value(config, key):
            continue
        given = plain_value(config.get(key))
        fitted = spec[field]
        if same_setting(given, plain_value(saved.get(name))) or _same_read_setting(
            name, given, fitted, spec.get("tz")
        ):
            continue
        conflicts.append((key, name, given, fitted))
    if not conflicts:
        return
    listed = "; ".join(
        f"the model was fitted on {name} {fitted!r}, but --{key} {given!r} was given"
        + _frequency_difference(name, given, fitted, spec.get("tz"))
        for key, name, given, fitted in conflicts
    )
    options = ", ".join(f"--{key}" for key, *_ in conflicts)
    refit = " ".join(f"--{key} {shlex.quote(_option_text(given))}" for key, _, given, _ in conflicts)
    said = (
        f"{listed[0].upper()}{listed[1:]}. The model reads new data with the columns, frequency and fill it was fitted "
        f"on (its checkpoint's), so it cannot take another"
    )
    renamed = _renamed_columns_fix(conflicts, config, options)
    if renamed:  # the file holds the given columns, not the fitted ones: leaving the options out reads none
        raise ConfigError(f"{said}. {renamed}; else fit a model on them: {use} fit {refit}.")
    raise ConfigError(
        f"{said}: leave {options} out (the fit's values are used; another --data.path, --data.read_options or "
        f"batch size may be given), or fit a model on them: {use} fit {refit}."
    )


def _frequency_difference(name: str, given: Any, fitted: Any, tz: str | None) -> str:
    """For a frequency refused: `` ('7D' is steps of 7 days, ...; 'W-SAT' is weeks ending on Saturdays
    ...)``, how the two grids differ (:func:`~ssm_ts.pipelines.forecasting.freq_match.frequency_difference`);
    "" for another setting, or a value that is not an alias."""
    if name != "freq" or not isinstance(given, str) or not isinstance(fitted, str):
        return ""
    from ssm_ts.pipelines.forecasting.freq_match import frequency_difference

    try:
        return f" ({frequency_difference(given, fitted, tz).rstrip('.')})"
    except (SSMTSError, ValueError):  # a fitted alias this pandas cannot read: the refusal alone
        return ""


def _renamed_columns_fix(conflicts: list[tuple[str, str, Any, Any]], config: Any, options: str) -> str:
    """Where every conflict (``(key, name, given, fitted)``) names a column of the given file in place of
    the fitted one (--data.id_col series for unique_id): reading the file under the fitted names, the fix
    to offer before a refit (:func:`~ssm_ts.cli.renamed_columns.renamed_columns_fix`); else ""."""
    from ssm_ts.cli.renamed_columns import ONE_COLUMN_SETTINGS, renamed_columns_fix

    if not all(name in ONE_COLUMN_SETTINGS and isinstance(given, str) for _, name, given, _ in conflicts):
        return ""
    renames = {str(given): str(fitted) for _, _, given, fitted in conflicts}
    read_options = config.get(READ_OPTIONS) if has_option_value(config, READ_OPTIONS) else None
    path = config.get("data.path") if has_option_value(config, "data.path") else None
    return renamed_columns_fix(renames, path, dict(read_options) if read_options else None, options)


def _option_text(value: Any) -> str:
    """A plain value as the command line takes it: ``OT``, ``[OT, HUFL]``."""
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
