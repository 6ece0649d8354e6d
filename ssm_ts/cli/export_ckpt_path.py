"""``--ckpt_path`` given a saved model's export (a fit's ``export/``, a ``Forecaster.save`` folder) or a
file in it (``model.safetensors``): the commands read a fit's ``.ckpt``, so the error names the export's
folder, the fit's checkpoints to pass instead where they are beside it, and the Python call that loads
the folder."""

from __future__ import annotations

import os
from pathlib import Path

from ssm_ts.errors import CheckpointError
from ssm_ts.export import CONFIG_FILE, EXPORT_FILES, PASS_A_CHECKPOINT, WEIGHTS_FILE
from ssm_ts.training import find_own_checkpoint
from ssm_ts.training.checkpoint_lookup import BEST_CHECKPOINT_PREFIX

# what loads an export folder in Python, by use
PYTHON_LOADERS = {
    "forecast": "ssm_ts.Forecaster.load({folder!r})",
    "audio": "ssm_ts.WaveformGenerator.load({folder!r})",
    "classify": "ssm_ts.tasks.classification_export.load_classifier_export({folder!r})",
}


def export_folder_of(path: str | os.PathLike) -> Path | None:
    """The export folder ``path`` is, or holds a file of (``config.json`` and ``model.safetensors`` in it);
    ``None`` for anything else (a checkpoint, a missing path)."""
    path = Path(path).expanduser()
    folder = path if path.is_dir() else path.parent
    if not path.is_dir() and path.name not in EXPORT_FILES:
        return None
    return folder if (folder / CONFIG_FILE).is_file() and (folder / WEIGHTS_FILE).is_file() else None


def check_not_export(ckpt_path: str | None, use: str, command: str) -> None:
    """Refuse an export folder or one of its files given as ``ssm-ts USE COMMAND --ckpt_path``.

    Raises:
        CheckpointError: naming the folder, the checkpoints to pass instead and the Python loader.
    """
    folder = export_folder_of(ckpt_path) if ckpt_path else None
    if folder is None:
        return
    given = Path(ckpt_path).expanduser()
    what = (
        f"is the weights file of an export folder, {folder}"
        if given.name == WEIGHTS_FILE
        else f"is {'an export folder' if given.is_dir() else 'a file of an export folder, ' + str(folder)}"
    )
    loader = PYTHON_LOADERS.get(use, PYTHON_LOADERS["forecast"]).format(folder=str(folder))
    raise CheckpointError(
        f"--ckpt_path {ckpt_path} {what} (config.json + model.safetensors, as a fit's export/ or "
        f"Forecaster.save writes it), not a checkpoint; ssm-ts {use} {command} takes a checkpoint: "
        f"{_checkpoint_instead(folder, command)}. In Python, load the folder itself: {loader}"
    )


def _checkpoint_instead(folder: Path, command: str) -> str:
    """What to pass instead of the export ``folder``: the checkpoints of its fit beside it
    (``<run>/checkpoints/``), ``best`` / ``last`` with ``--out`` for a fit's published ``<out>/export``,
    or where a fit writes them."""
    named = "last" if command == "fit" else "best"
    beside = folder.parent / "checkpoints"
    pattern = "last*.ckpt" if command == "fit" else f"{BEST_CHECKPOINT_PREFIX}*.ckpt"
    found = list(beside.glob(pattern)) or list(beside.glob("*.ckpt"))
    if found:
        return f"its fit's {max(found, key=lambda p: p.stat().st_mtime)}"
    if find_own_checkpoint(folder.parent) is not None:  # <out>/export: the fit's runs are under <out>
        return f"--ckpt_path {named} --out {folder.parent} (the newest of the fit's checkpoints under it)"
    return PASS_A_CHECKPOINT
