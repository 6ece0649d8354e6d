"""Self-describing model exports: ``config.json`` + ``model.safetensors`` + ``extras.json``.

Loading never unpickles: weights come from safetensors, everything else from JSON. Exports are
written to a temporary folder and renamed, so a crash never leaves a half-written export.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ssm_ts.atomic import atomic_directory
from ssm_ts.errors import CheckpointError, ConfigError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
EXTRAS_FILE = "extras.json"
FORMAT_VERSION = 1


def _to_json(data: dict[str, Any], what: str) -> str:
    try:
        return json.dumps(data, indent=2, sort_keys=True)
    except TypeError as err:
        raise ConfigError(
            f"{what} must hold only JSON values (numbers, strings, lists, dicts): {err}"
        ) from err


def save_export(
    directory: str | os.PathLike,
    config: dict[str, Any],
    state_dict: dict[str, torch.Tensor],
    extras: dict[str, Any] | None = None,
) -> Path:
    """Write an export folder atomically and return its path.

    Args:
        directory: target folder (replaced whole if it exists).
        config: JSON-serialisable settings that rebuild the model.
        state_dict: tensors to store (moved to CPU, made contiguous, de-aliased).
        extras: JSON-serialisable side data (scaler statistics, class labels, ...).
    """
    payload = {"format_version": FORMAT_VERSION, **config}
    config_text = _to_json(payload, "the model config")
    extras_text = _to_json(extras or {}, "the export extras")
    tensors = {name: t.detach().to("cpu").contiguous().clone() for name, t in state_dict.items()}
    with atomic_directory(directory) as tmp:
        save_file(tensors, str(tmp / WEIGHTS_FILE))
        (tmp / CONFIG_FILE).write_text(config_text)
        (tmp / EXTRAS_FILE).write_text(extras_text)
    return Path(directory)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a Lightning ``.ckpt`` with ``weights_only=True``: tensors and plain containers only.

    A checkpoint that needs arbitrary classes to unpickle (which could run code) is refused.

    Raises:
        CheckpointError: missing, corrupt, or unsafe checkpoint.
    """
    path = Path(path)
    if path.is_dir():
        hint = (
            "it is an export (config.json + model.safetensors), which Python loads (Forecaster.load, "
            "WaveformGenerator.load, or mlflow.pyfunc.load_model on the run's model); the CLI needs"
            if (path / CONFIG_FILE).is_file()
            else "pass"
        )
        raise CheckpointError(
            f"{path} is a folder, not a checkpoint; {hint} the .ckpt file a fit wrote under "
            "<its --out>/.../checkpoints/ (best-epoch=N.ckpt or last.ckpt)"
        )
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}; pass the path of a .ckpt file written by a fit")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f"refused to load {path}: it holds objects other than tensors and plain values, which could run "
            f"code when unpickled ({str(err).splitlines()[0]}). Only load checkpoints you trust, re-exported by ssm-ts."
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise CheckpointError(
            f"cannot read checkpoint {path}: {err}; it may be truncated or not a checkpoint"
        ) from err


def load_export(
    directory: str | os.PathLike,
) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, Any]]:
    """Read an export folder written by :func:`save_export`; tensors land on the CPU.

    Returns:
        ``(config, state_dict, extras)``.

    Raises:
        CheckpointError: the folder or one of its files is missing or unreadable.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"no saved model at {directory}: expected a folder written by .save()")
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (directory / name).is_file():
            raise CheckpointError(
                f"{directory} is not a complete ssm-ts export: {name} is missing; save the model again"
            )
    try:
        config = json.loads((directory / CONFIG_FILE).read_text())
        extras_path = directory / EXTRAS_FILE
        extras = json.loads(extras_path.read_text()) if extras_path.is_file() else {}
        state_dict = load_file(str(directory / WEIGHTS_FILE), device="cpu")
    except (json.JSONDecodeError, SafetensorError, OSError) as err:
        raise CheckpointError(f"cannot read the export in {directory}: {err}; save the model again") from err
    config.pop("format_version", None)
    return config, state_dict, extras
