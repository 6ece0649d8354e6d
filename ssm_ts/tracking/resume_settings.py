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
"""

from __future__ import annotations

import hashlib
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

FINGERPRINT_KEY = "ssm_ts_data_fingerprints"  # in a checkpoint: {"data.path": {"path": ..., "sha256": ...}}
# Hashing reads every byte (about 1.3 GB/s measured on one core): bigger data keeps no fingerprint.
FINGERPRINT_MAX_BYTES = 4 * 2**30


def _files(path: Path) -> list[Path]:
    """A file, or a folder's files (recursive, sorted; hidden ones such as .DS_Store left out)."""
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def data_fingerprint(path: str | os.PathLike) -> str | None:
    """The sha256 of a data file's bytes, or of a folder's files (their names relative to the folder,
    and bytes): the same for a copy or a move. ``None`` for a missing path or data over
    :data:`FINGERPRINT_MAX_BYTES`."""
    path = Path(path).expanduser()
    if not path.exists():
        return None
    files = _files(path)
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


def datamodule_fingerprints(datamodule: Any) -> dict[str, dict[str, str | None]]:
    """``{"data.path": {"path": resolved path, "sha256": ...}}`` for each data file setting the data
    module was given (a data set's name as the file it was read from); none for data given in memory."""
    hparams = getattr(datamodule, "hparams", None) or {}
    found = {}
    for key in sorted(DATA_FILE_SETTINGS):
        name = key.split(".", 1)[1]
        if hparams.get(name) is None:
            continue
        value = getattr(datamodule, name, None)  # the module's resolved path (ETTh1 -> the data home's file)
        if isinstance(value, (str, os.PathLike)) and Path(value).exists():
            resolved = Path(value).expanduser().resolve()
            found[key] = {"path": str(resolved), "sha256": data_fingerprint(resolved)}
    return found


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
    if data_fingerprint(path) == stored["sha256"]:
        return None
    if str(path) == stored["path"]:
        return (
            f"{path} was changed since the fit read it: its content differs from the checkpoint's fingerprint"
        )
    return f"{path} differs in content from {stored['path']}, which the fit was trained on"
