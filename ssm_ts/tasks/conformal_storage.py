"""Conformal scores saved and loaded: ``conformal.safetensors`` beside an export (tensors and JSON
metadata: loading unpickles nothing and needs no GPU), and an entry of a CLI checkpoint (tensors and
plain values, for ``weights_only`` loading). Files and entries of the first format (float64 scores)
load as they are."""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.conformal_scores import ConformalScores

SCORES_FILE = "conformal.safetensors"
_FORMAT = "2"  # 1: float64 scores; 2: float32, rounded up
_READABLE_FORMATS = ("1", "2")


def save_scores(directory: str | os.PathLike, scores: ConformalScores, targets: Sequence[str]) -> Path:
    """Write ``conformal.safetensors`` into ``directory`` (an export being written)."""
    # as computed: float32 (rounded up), or float64 as loaded from a first-format file
    tensors = {"residual": torch.from_numpy(np.ascontiguousarray(scores.residual))}
    if scores.cqr is not None:
        tensors["cqr"] = torch.from_numpy(np.ascontiguousarray(scores.cqr))
    metadata = {
        "format": _FORMAT if scores.residual.dtype == np.float32 else "1",
        "bands": json.dumps([list(band) for band in scores.bands]),
        "source": scores.source,
        "targets": json.dumps(list(targets)),
        "notes": json.dumps(scores.notes),  # readers of format 2 without notes ignore it
        "train_end": json.dumps(scores.train_end),  # likewise
    }
    path = Path(directory) / SCORES_FILE
    path.write_bytes(_stable_safetensors(save(tensors, metadata=metadata)))
    return path


def _stable_safetensors(data: bytes) -> bytes:
    """``data`` (a safetensors file) with its JSON header's keys sorted, so that saving the same scores
    twice gives the same bytes (users hash model folders; MLflow compares artifacts by hash).

    safetensors writes ``__metadata__`` from a Rust ``HashMap``, whose order changes from one save to
    the next. Only the header is rewritten: the tensors' bytes and ``data_offsets`` stay as written.
    """
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    text = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)  # the tensors start 8-byte aligned, as safetensors pads them
    return struct.pack("<Q", len(text)) + text + data[8 + length :]


def load_scores(directory: str | os.PathLike, horizon: int, targets: Sequence[str]) -> ConformalScores | None:
    """The scores saved in export ``directory``, or ``None`` when it holds none (not calibrated).

    Raises:
        CheckpointError: the file is unreadable or does not fit the model (horizon, series).
    """
    path = Path(directory) / SCORES_FILE
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name).numpy() for name in f.keys()}  # noqa: SIM118
        bands = tuple(tuple(float(q) for q in band) for band in json.loads(metadata["bands"]))
        saved_targets = json.loads(metadata["targets"])
        residual = tensors["residual"]
        notes = json.loads(metadata.get("notes", "{}"))
        train_end = json.loads(metadata.get("train_end", "null"))  # null: written before it was kept
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as err:
        raise CheckpointError(
            f"cannot read the conformal calibration {path}: {err}; save the model again"
        ) from err
    if metadata.get("format") not in _READABLE_FORMATS:
        raise CheckpointError(
            f"the conformal calibration {path} has format {metadata.get('format')}, and this ssm-ts reads "
            f"{list(_READABLE_FORMATS)}: it was written by a newer ssm-ts; upgrade, or calibrate and save again."
        )
    if residual.ndim != 3 or residual.shape[1] != horizon or saved_targets != list(targets):
        raise CheckpointError(
            f"the conformal calibration {path} is for {residual.shape[1:]} (horizon, series) {saved_targets[:5]}, "
            f"not this model's horizon {horizon} and series {list(targets)[:5]}; calibrate and save the model again."
        )
    source = metadata.get("source", str(path))
    return ConformalScores(residual, tensors.get("cqr"), bands, source, notes, train_end)  # type: ignore[arg-type]


# ------------------------------------------------------------ in a CLI checkpoint

CHECKPOINT_KEY = "ssm_ts_conformal"


def scores_to_checkpoint(scores: ConformalScores, targets: Sequence[str]) -> dict[str, Any]:
    """``scores`` as a checkpoint entry: tensors and plain values only (``weights_only`` loading)."""
    return {
        "format": _FORMAT if scores.residual.dtype == np.float32 else "1",
        "residual": torch.from_numpy(np.ascontiguousarray(scores.residual)),
        "cqr": None if scores.cqr is None else torch.from_numpy(np.ascontiguousarray(scores.cqr)),
        "bands": [list(band) for band in scores.bands],
        "source": scores.source,
        "targets": list(targets),
        "notes": dict(scores.notes),
        "train_end": scores.train_end,  # a str, int or None: weights_only loading takes them
    }


def scores_from_checkpoint(entry: dict[str, Any]) -> tuple[ConformalScores, list[str]]:
    """``(scores, their targets)`` of a :func:`scores_to_checkpoint` entry.

    Raises:
        CheckpointError: an entry of a newer format, or one that is not an entry of scores.
    """
    if entry.get("format") not in _READABLE_FORMATS:
        raise CheckpointError(
            f"the checkpoint's conformal calibration has format {entry.get('format')}, and this ssm-ts reads "
            f"{list(_READABLE_FORMATS)}: it was written by a newer ssm-ts; upgrade, or fit again."
        )
    try:
        cqr = entry["cqr"]
        scores = ConformalScores(
            entry["residual"].numpy(),
            None if cqr is None else cqr.numpy(),
            tuple(tuple(float(q) for q in band) for band in entry["bands"]),
            str(entry["source"]),
            dict(entry.get("notes") or {}),
            entry.get("train_end"),
        )
        return scores, list(entry["targets"])
    except (KeyError, AttributeError, TypeError) as err:
        raise CheckpointError(
            f"the checkpoint's conformal calibration is unreadable ({err}); fit again."
        ) from err
