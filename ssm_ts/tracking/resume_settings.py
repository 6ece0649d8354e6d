"""What a resumed fit may change from the fit it continues, and how a moved data file is recognised.

A resumed fit (``ssm-ts USE fit --ckpt_path last``, ``fit(..., resume=True)``) continues the
checkpoint's model on the checkpoint's data in the same MLflow run. A model or data setting that
changes what is trained (another data set, model size, learning rate, batch size, split, reading
options) is refused: the run would describe one training and hold another. The settings in
:data:`RUNTIME_SETTINGS` change only how the same training runs, and may change on resume; MLflow
keeps one value per parameter, so their new values are logged as tags ``resumed.<n>.<setting>``
(:func:`ssm_ts.tracking.logger.check_resumed_run`).

A data file or folder setting (:data:`DATA_FILE_SETTINGS`) may change when the data only moved:
every checkpoint holds a content fingerprint (sha256) of the data it was trained on
(:data:`FINGERPRINT_KEY`, written by :class:`~ssm_ts.tracking.logger.RecordMLflowRun`), and a new
path with the same content is accepted. Checkpoints written before fingerprints (or of data over
:data:`FINGERPRINT_MAX_BYTES`) cannot tell a moved file from another one: a new path is refused.
A folder's fingerprint counts only the files the fit reads there (:func:`folder_reads`, kept with it),
so the fit's own outputs in the folder (``--out`` inside it) and MLflow's files do not change it.
Data given in memory (a pandas DataFrame: ``Forecaster.fit(frame)``) has no path: its fingerprint
(:func:`frame_fingerprint`, under :data:`FRAME_SETTING`) is of its content, and a resume on another
frame is refused.

The Python front ends (``Forecaster``) also keep their own settings in each checkpoint
(:data:`SETTINGS_KEY`): those of :data:`FREE_FIT_SETTINGS` may change on resume, the others not.

A setting new since the version that made a checkpoint is not in it: the checkpoint trained with its
default (:func:`settings_new_since`), and another value is refused as a changed setting is.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssm_ts.datasets import DataUse

# Settings (as the CLI names them) that a resumed fit may change; each with why it cannot change what
# is trained. Everything else in model.* / data.* is refused on resume.
RUNTIME_SETTINGS: dict[str, str] = {
    "data.num_workers": "worker processes only read the same items in parallel (all three uses)",
    "data.eval_batch_size": (
        "forecast: validation/test windows per batch; metrics are weighted by batch size, training "
        "batches are untouched"
    ),
    "data.predict_path": "classify: the file predict reads; a fit never reads it",
    "model.sample_every_n_epochs": "audio: listening samples, generated with their own seed, never trained on",
    "model.n_samples": "audio: how many listening samples (see sample_every_n_epochs)",
    "model.sample_seconds": "audio: length of the listening samples (see sample_every_n_epochs)",
}
# Not runtime, though they look like it: batch_size and the sensor use's max_batch_steps choose which
# recordings share a gradient step (and how many steps an epoch has, which the restored loop counts);
# shuffle_seed / seed pick the training order and the validation split; read_options, format,
# nan_policy, on_bad_file and max_files_per_split decide which values are read.

# Data file or folder settings, accepted when changed if the content is the one the fit started on.
DATA_FILE_SETTINGS: frozenset[str] = frozenset({"data.path", "data.root", "data.test_path"})

# in a checkpoint: {"data.path": {"path": ..., "sha256": ...}}, and of a folder its READS_KEY too
FINGERPRINT_KEY = "ssm_ts_data_fingerprints"
# The fingerprint of data given as a DataFrame: {"path": None, "sha256": ..., "shape": [rows, columns],
# "columns": [...], "dtypes": [...]} (shape and columns say what differs in a refusal)
FRAME_SETTING = "data.frame"

# A Python front end's settings (Forecaster(...) arguments) as a checkpoint keeps them, except the free ones.
SETTINGS_KEY = "ssm_ts_fit_settings"
# Front-end settings a resumed fit may change; each with why it does not change what is trained. The
# others (model, lookback, lr, batch_size, seed, ema_decay, ...) are refused on resume.
FREE_FIT_SETTINGS: dict[str, str] = {
    "max_epochs": "when to stop: a resume may train longer (the trainer's max_epochs on the CLI)",
    "max_time": "a wall-clock budget, of this process only",
    "patience": "when to stop early; the early-stopping count so far is kept",
    "accelerator": "where the same computation runs",
    "trainer_options": "further trainer settings, free as the trainer's are on the CLI",
    "calibration_budget": "how many conformal scores are kept after training",
    "experiment": "a resume logs into the checkpoint's MLflow run, wherever that is",
    "tracking_uri": "where the MLflow store is (a moved store still holds the run)",
    "run_name": "the run keeps the name it was started with",
    "register_as": "where the fitted model is registered, after training",
    "log_to_mlflow": "whether this part of the fit is logged",
    "out_dir": "where the checkpoints are (the folder may have moved)",
}
# What reading the data resolved the data module's settings to (``{"time_col": "date", "target":
# ["OT"], ...}``, from its ``spec`` after setup): a resume that spells out a value the fit inferred
# (time_col None then, "date" now) trains the same. Written by RecordMLflowRun; older checkpoints lack it.
RESOLVED_KEY = "ssm_ts_resolved_data_settings"
# the data module's settings that reading may infer when None, and the ``spec`` field each resolves to
RESOLVED_DATA_SETTINGS: dict[str, str] = {
    "time_col": "time_col",
    "target": "targets",
    "past_covariates": "past_covariates",
    "future_covariates": "future_covariates",
    "freq": "freq",
}
# Task settings a fit fills in from its data (sizes, class and channel names; as the CLI names them). A
# resumed CLI fit gets them again from the restored data (restored as settings, they would log other values
# into its MLflow run); a checkpoint made before one of them existed trained with what its data gave, not
# with the setting's default.
FILLED_FROM_DATA: frozenset[str] = frozenset(
    {"model.n_channels", "model.classes", "model.channel_names", "model.n_outputs", "model.covariate_index"}
)
# Hashing reads every byte (about 1.3 GB/s measured on one core): bigger data keeps no fingerprint.
FINGERPRINT_MAX_BYTES = 4 * 2**30
# What a folder's fingerprint counts ({"data.root": {...}} in a checkpoint's fingerprint, under "reads"):
# the files of these endings ("suffixes"), below the top level too or not ("subfolders"), the files of
# these names at the top ("names": the audio split lists), less the clips ssm-ts generated ("generated":
# "left out"), as the data module reads them. A fingerprint without it (made before) hashed every file.
READS_KEY = "reads"
# the classify use's folders: a UCR/UEA problem (<Name>_TRAIN.ts), per-recording CSVs and their
# labels.csv, FSDD clips; read at the top level only (pipelines.sensor)
CLASSIFY_FOLDER_SUFFIXES = (".arff", ".csv", ".flac", ".npy", ".npz", ".ogg", ".ts", ".wav")


def folder_reads(key: str, datamodule: Any) -> dict[str, Any] | None:
    """Which files of the folder a data file setting ``key`` names the data module reads (see
    :data:`READS_KEY`): the audio folder's files of its ``extensions`` in every subfolder, its split
    lists, less ssm-ts's generated clips; a classify folder's recording files at its top level.
    ``None`` for a setting that names a file (forecast's ``data.path``): all of it is read."""
    if key == "data.root":  # the audio use's folder (pipelines.audio.folder.find_audio_files)
        from ssm_ts.pipelines.audio.folder import AUDIO_EXTENSIONS
        from ssm_ts.pipelines.audio.split import TESTING_LIST, VALIDATION_LIST

        hparams = getattr(datamodule, "hparams", None) or {}
        extensions = hparams.get("extensions") or AUDIO_EXTENSIONS
        return {"suffixes": sorted({e.lower() for e in extensions}), "subfolders": True,
                "names": [TESTING_LIST, VALIDATION_LIST], "generated": "left out"}  # fmt: skip
    if key in ("data.path", "data.test_path"):
        return {
            "suffixes": list(CLASSIFY_FOLDER_SUFFIXES),
            "subfolders": False,
            "names": [],
            "generated": "read",
        }
    return None


def _files(path: Path, reads: Mapping[str, Any] | None = None) -> list[Path]:
    """A file, or a folder's files (sorted; hidden ones such as .DS_Store left out): those ``reads``
    selects (:func:`folder_reads`), or else all of them, recursively."""
    if path.is_file():
        return [path]
    if reads is None:  # a fingerprint made before reads were kept: every file rglob finds, as then
        found = path.rglob("*")
    elif reads.get("subfolders", True):
        from ssm_ts.pipelines.audio.folder import visible_files

        found = visible_files(path)  # as the audio reader walks: into linked subfolders too
    else:
        found = path.iterdir()
    return sorted(
        p
        for p in found
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and (reads is None or _is_read(p, path, reads))
    )


def _is_read(file: Path, folder: Path, reads: Mapping[str, Any]) -> bool:
    """Whether the data module reads ``file`` of ``folder``, by ``reads`` (:func:`folder_reads`)."""
    if file.relative_to(folder).as_posix() in reads.get("names", ()):
        return True
    if file.suffix.lower() not in reads.get("suffixes", ()):
        return False
    if reads.get("generated") == "left out":
        from ssm_ts.pipelines.audio.generated import is_generated_clip

        return not is_generated_clip(file)
    return True


def data_fingerprint(path: str | os.PathLike, reads: Mapping[str, Any] | None = None) -> str | None:
    """The sha256 of a data file's bytes, or of a folder's files (their names relative to the folder,
    and bytes): the same for a copy or a move. Of a folder, only the files ``reads`` selects
    (:func:`folder_reads`: those the data module reads), or every one when ``None``. ``None`` for a
    missing path or data over :data:`FINGERPRINT_MAX_BYTES`."""
    path = Path(path).expanduser()
    if not path.exists():
        return None
    files = _files(path, reads)
    if sum(f.stat().st_size for f in files) > FINGERPRINT_MAX_BYTES:
        return None
    digest = hashlib.sha256()
    for file in files:
        if path.is_dir():  # names inside the folder count; the folder's own name and place do not
            digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(f"{file.stat().st_size}\0".encode())  # where one file's bytes end
        with file.open("rb") as handle:  # hashlib.file_digest is Python 3.11+
            for block in iter(lambda: handle.read(2**20), b""):
                digest.update(block)
    return digest.hexdigest()


def frame_fingerprint(frame: Any) -> dict[str, Any]:
    """The fingerprint of a pandas DataFrame's content: the sha256 of its column names, dtypes, index
    and values (:func:`pandas.util.hash_pandas_object`, row by row), with its shape, columns and
    dtypes to say what differs. The same for a copy; another value, row, label or dtype changes it."""
    import numpy as np
    import pandas as pd

    try:
        rows = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    except TypeError:  # cells pandas cannot hash (lists, dicts): hashed as their text
        rows = pd.util.hash_pandas_object(frame.astype(str), index=True).to_numpy()
    columns = [str(c) for c in frame.columns]
    dtypes = [str(t) for t in frame.dtypes]
    digest = hashlib.sha256(json.dumps([columns, dtypes]).encode())
    digest.update(np.ascontiguousarray(rows, dtype="<u8").tobytes())
    return {"path": None, "sha256": digest.hexdigest(), "shape": list(frame.shape), "columns": columns,
            "dtypes": dtypes}  # fmt: skip


def describe_frame(stored: Mapping[str, Any]) -> str:
    """``a DataFrame of 17420 rows x 8 columns`` for a :func:`frame_fingerprint`."""
    rows, columns = stored.get("shape") or ("?", "?")
    return f"a DataFrame of {rows} rows x {columns} columns"


def frame_change_reason(stored: Mapping[str, Any], frame: Any) -> str | None:
    """Why ``frame`` is not the DataFrame a fingerprint ``stored`` was taken of (``None``: the same
    content): the shape, the columns, the dtypes, or else the values or index."""
    now = frame_fingerprint(frame)
    if now["sha256"] == stored.get("sha256"):
        return None
    if now["shape"] != stored.get("shape"):
        return f"{describe_frame(now)}, not {describe_frame(stored)} as the fit was trained on"
    if now["columns"] != stored.get("columns"):
        old, new = stored.get("columns") or [], now["columns"]
        missing, added = [c for c in old if c not in new], [c for c in new if c not in old]
        detail = (f"missing {_few(missing)}, new {_few(added)}" if missing or added
                  else f"in the order {_few(new)}, not {_few(old)}")  # fmt: skip
        return f"its columns differ from the ones the fit was trained on ({detail})"
    if now["dtypes"] != stored.get("dtypes"):
        pairs = zip(now["columns"], stored["dtypes"], now["dtypes"], strict=True)  # same columns here
        changed = [f"{c}: {a} then, {b} now" for c, a, b in pairs if a != b]
        return f"its column types differ from the ones the fit was trained on ({'; '.join(changed)})"
    return "the same shape and columns, but its values (or index) differ from the ones the fit was trained on"


def _few(names: list[str], shown: int = 8) -> str:
    """A list of column names for a message, the first ``shown`` of a long one."""
    return str(names) if len(names) <= shown else f"{names[:shown]} and {len(names) - shown} more"


def datamodule_fingerprints(datamodule: Any) -> dict[str, dict[str, Any]]:
    """``{"data.path": {"path": resolved path, "sha256": ...}}`` for each data file setting the data
    module was given (a data set's name as the file it was read from), and for a DataFrame given in
    memory (a data module's ``source_frame``) ``{"data.frame": frame_fingerprint(frame)}``."""
    hparams = getattr(datamodule, "hparams", None) or {}
    found = {}
    frame = getattr(datamodule, "source_frame", None)
    if frame is not None:
        found[FRAME_SETTING] = frame_fingerprint(frame)
    for key in sorted(DATA_FILE_SETTINGS):
        name = key.split(".", 1)[1]
        if hparams.get(name) is None:
            continue
        value = getattr(datamodule, name, None)  # the module's resolved path (ETTh1 -> the data home's file)
        if isinstance(value, (str, os.PathLike)) and Path(value).exists():
            resolved = Path(value).expanduser().resolve()
            reads = folder_reads(key, datamodule) if resolved.is_dir() else None
            found[key] = {"path": str(resolved), "sha256": data_fingerprint(resolved, reads)}
            if reads is not None:
                found[key][READS_KEY] = reads
    return found


def resolved_data_settings(datamodule: Any) -> dict[str, Any]:
    """What the data module's settings of :data:`RESOLVED_DATA_SETTINGS` resolved to, as plain values,
    from its ``spec`` (read when set up: a forecasting data module's series spec); ``{}`` for a data
    module without one."""
    spec = getattr(datamodule, "spec", None)
    if spec is None:
        return {}
    return plain_settings(
        {name: getattr(spec, field) for name, field in RESOLVED_DATA_SETTINGS.items() if hasattr(spec, field)}
    )


def _resolve(key: str, value: Any, use: DataUse) -> Path | None:
    """The file a data file setting's ``value`` names (a standard data set's name through the data
    home, never downloaded); ``None`` when it names none."""
    from ssm_ts.datasets import resolve_data_path
    from ssm_ts.errors import SSMTSError

    if not isinstance(value, (str, os.PathLike)):
        return None
    try:
        resolved = resolve_data_path(value, use, setting=key, download=False)
    except (SSMTSError, ValueError, OSError):  # an unknown name; a use without standard data sets
        return None
    return Path(resolved).expanduser().resolve() if resolved else None


def sort_resume_changes(
    changed: Mapping[str, tuple[Any, Any]],
    fingerprints: Mapping[str, Any],
    use: DataUse,
    current: Mapping[str, Any] | None = None,
) -> tuple[dict[str, tuple[Any, Any]], dict[str, tuple[Any, Any, str]]]:
    """Split a resume's changed settings (``{"data.path": (checkpoint's, now)}``) into those accepted
    (:data:`RUNTIME_SETTINGS`; a data file whose content matches the checkpoint's ``fingerprints``)
    and those refused. ``current`` holds the data file settings now (``{"data.path": ...}``): one
    left as it was is refused too when its file's content changed since the fit read it.
    Returns ``(accepted {key: (old, new)}, refused {key: (old, new, reason or "")})``."""
    fingerprints = fingerprints or {}
    accepted, refused = {}, {}
    for key, (old, new) in changed.items():
        if key in RUNTIME_SETTINGS:
            accepted[key] = (old, new)
        elif key in DATA_FILE_SETTINGS:
            reason = _moved_data_reason(key, new, fingerprints.get(key), use)
            if reason is None:
                accepted[key] = (old, new)
            else:
                refused[key] = (old, new, reason)
        else:
            refused[key] = (old, new, "")
    for key, value in (current or {}).items():
        if key in DATA_FILE_SETTINGS and key not in changed and fingerprints.get(key, {}).get("sha256"):
            reason = _moved_data_reason(key, value, fingerprints[key], use)
            if reason is not None:
                refused[key] = (value, value, reason)
    return accepted, refused


def _moved_data_reason(key: str, new: Any, stored: Mapping[str, Any] | None, use: DataUse) -> str | None:
    """Why ``key``'s value ``new`` is not the fit's data (``None``: the same content, perhaps moved)."""
    if not stored or not stored.get("sha256"):
        return (
            "the checkpoint holds no fingerprint of its data (written before ssm-ts kept one, or data over "
            f"{FINGERPRINT_MAX_BYTES // 2**30} GiB), so a moved file cannot be told from another one"
        )
    path = _resolve(key, new, use)
    if path is None or not path.exists():
        return f"{new} is no file or folder here; the fit read {stored['path']}"
    if data_fingerprint(path, stored.get(READS_KEY)) == stored["sha256"]:
        return None
    if str(path) == stored["path"]:
        return (
            f"{path} was changed since the fit read it: its content differs from the checkpoint's fingerprint"
        )
    return f"{path} differs in content from {stored['path']}, which the fit was trained on"


def plain_value(value: Any) -> Any:
    """``value`` as plain values (JSON's: NumPy numbers as Python numbers, tuples as lists, anything
    else JSON cannot hold as its text), which a checkpoint loaded safely can hold."""

    def plain(item: Any) -> Any:
        return item.item() if hasattr(item, "item") else str(item)

    return json.loads(json.dumps(value, default=plain))


def builtin_value(value: Any) -> Any:
    """``value`` with NumPy scalars as Python numbers and bools (``np.float64(1e-3)`` -> ``0.001``),
    NumPy arrays as lists and paths as text, inside dicts, lists and tuples too (their kind kept);
    anything else as it is. A checkpoint loaded safely (``weights_only``) holds only such values,
    and a setting's checks (``isinstance(n, int)``, ``if quantiles:``) take them."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {k: builtin_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):  # not a named tuple
        return type(value)(builtin_value(v) for v in value)
    return value


def builtin_hparams(module: Any) -> None:
    """Make a Lightning module's saved hyperparameters :func:`builtin_value`: its checkpoints keep
    them (``hyper_parameters``), and a NumPy setting (``lr=np.float64(1e-3)``) made them unloadable
    ("holds objects other than tensors and plain values"). Call after ``save_hyperparameters()``."""
    for hparams in (module.hparams, getattr(module, "_hparams_initial", None)):
        if hparams is not None:
            for key in list(hparams):
                hparams[key] = builtin_value(hparams[key])


def plain_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` as plain values (:func:`plain_value`), which compare equal however they were given
    (:func:`same_setting`)."""
    return plain_value(dict(settings))


def same_setting(old: Any, new: Any) -> bool:
    """Whether two plain values (:func:`plain_value`) are the same setting given in another form: a
    list and a tuple of the same items, ``0`` and ``0.0``; ``True`` is not ``1``."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(same_setting(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(same_setting(old[k], new[k]) for k in old)
    return old == new


def same_training_setting(
    key: str, old: Any, new: Any, resolved_then: Mapping[str, Any], resolved_now: Mapping[str, Any]
) -> bool:
    """Whether a data module or front-end setting ``key`` at ``old`` (the checkpoint's) and ``new``
    (plain values) trains the same: the same value (:func:`same_setting`), or a setting of
    :data:`RESOLVED_DATA_SETTINGS` that reading the data resolved the same then and now (``resolved_then``:
    the checkpoint's :data:`RESOLVED_KEY`; ``resolved_now``: :func:`resolved_data_settings`), as a
    value the fit inferred and a resume spells out (``time_col`` None then, ``"date"`` now)."""
    if same_setting(old, new):
        return True
    return (
        key in resolved_then and key in resolved_now and same_setting(resolved_then[key], resolved_now[key])
    )


def init_defaults(cls: type) -> dict[str, Any]:
    """The defaults of ``cls(...)``'s parameters as plain values (:func:`plain_settings`),
    ``{"lr": 0.001, "ema_decay": None, ...}``; parameters without a default are left out."""
    import inspect

    return plain_settings(
        {
            name: param.default
            for name, param in inspect.signature(cls).parameters.items()
            if param.default is not inspect.Parameter.empty
        }
    )


def settings_new_since(
    saved: Mapping[str, Any], now: Mapping[str, Any], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The settings of ``now`` that a checkpoint's ``saved`` lacks (made by a version before they
    existed), each with the default it trained with: ``{"ema_decay": None}``. Left out: settings
    without a default, and all of them when ``saved`` is empty (a checkpoint that kept none of a
    section's settings says nothing of which are new)."""
    if not saved:
        return {}
    return {key: defaults[key] for key in now if key not in saved and key in defaults}


def said_new_setting(default: Any, value: Any) -> str:
    """What a resume refusal says of a setting new since the checkpoint, given ``value`` now."""
    return (
        f"not in the checkpoint (made before this setting existed; it trained with the default "
        f"{default!r}), {value!r} now"
    )


def said_setting(value: Any, resolved: Any = None) -> str:
    """A setting's value for a message; a ``None`` that reading the data resolved says to what."""
    if value is None and resolved is not None:
        return f"None (resolved to {resolved!r})"
    return repr(value)


def same_logged_value(logged: str, new: Any) -> bool:
    """Whether MLflow's text ``logged`` of a parameter (``str(value)[:250]``, as
    ``MLFlowLogger.log_hyperparams`` writes it) is of the same setting as ``new``: the same text, or
    the same value read back (:func:`ast.literal_eval`; text that is no Python literal stays text),
    so ``(0.1, 0.5)`` logged is ``[0.1, 0.5]`` now and ``0.0`` is ``0``."""
    if logged == str(new)[:250]:
        return True
    try:
        old = ast.literal_eval(logged)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        old = logged
    return same_setting(plain_value(old), plain_value(new))
