"""Which files of the audio folder each split held, kept in a fit's checkpoints (the audio data module's
state), so that a resumed fit never trains on another split of the same files unawares.

The data fingerprint of a resume (:mod:`ssm_ts.tracking.resume_settings`) tells the same files from
others, not the same split of them: a version of ssm-ts that splits them otherwise (it keeps
byte-identical copies in one split since 2026-12-01) drew another split of an unchanged folder, and a
resume moved files between training and validation or test. A checkpoint holds
:func:`split_record`; a resume whose split differs is refused (:func:`check_resumed_split`). A checkpoint
made before the record is checked against the split made before copies were kept together
(:func:`warn_if_split_was_drawn_otherwise`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .folder import find_audio_files, shown_path
from .split import FileSplit, split_files

SPLITS = {"train": "training", "val": "validation", "test": "test"}  # FileSplit's fields, as said
SHOWN_FILES = 5
# how a resume refused for its data is avoided, in both front ends
FIT_ANEW = (
    "fit from scratch into a new output folder (CLI: without --ckpt_path, another --out; Python: "
    "without resume=True, another out_dir)"
)


def split_record(split: FileSplit, root: Path) -> dict[str, Any]:
    """``{"sha256": ..., "files": {"train": n, "val": n, "test": n}}``: the sha256 of each split's file
    names under ``root`` (sorted; the same for the folder moved), and how many files each held."""
    names = {part: sorted(shown_path(path, root) for path in getattr(split, part)) for part in SPLITS}
    digest = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()
    return {"sha256": digest, "files": {part: len(files) for part, files in names.items()}}


def _counts(record: Mapping[str, Any]) -> str:
    """``8 training, 2 validation, 2 test files`` of a :func:`split_record`."""
    files = record.get("files") or {}
    return ", ".join(f"{files.get(part, '?')} {said}" for part, said in SPLITS.items()) + " files"


def check_resumed_split(
    saved: Mapping[str, Any] | None, now: Mapping[str, Any], root: Path, ckpt_path: Any
) -> None:
    """Refuse (a :class:`ConfigError`) a fit resuming ``ckpt_path`` whose split of ``root`` (``now``, a
    :func:`split_record`) is not the one the checkpoint records (``saved``; ``None``: it records none)."""
    if not saved or saved.get("sha256") in (None, now["sha256"]):
        return
    raise ConfigError(
        f"{ckpt_path} was trained on another split of {root} ({_counts(saved)} then, {_counts(now)} now): "
        "resuming would train on files its validation and test splits held, and score it on files it "
        "trained on. The data check passed, so this ssm-ts splits the files otherwise than the version "
        "that made the checkpoint (or they changed in a folder too big to fingerprint). Resume with that "
        f"version, or {FIT_ANEW}"
    )


def _moved(before: FileSplit, now: FileSplit, root: Path) -> list[str]:
    """The files in another split ``now`` than ``before``, each as ``a.wav (training then, test now)``."""
    then = {path: part for part in SPLITS for path in getattr(before, part)}
    return [
        f"{shown_path(path, root)} ({SPLITS[then[path]]} then, {SPLITS[part]} now)"
        for part in SPLITS
        for path in getattr(now, part)
        if then.get(path, part) != part
    ]


def warn_if_split_was_drawn_otherwise(root: Path, hparams: Mapping[str, Any], ckpt_path: Any) -> None:
    """Warn of a fit resuming ``ckpt_path``, which records no split (made before ssm-ts kept one), when
    the audio files under ``root`` hold byte-identical copies that ssm-ts before 2026-12-01 split as other
    recordings: the audio data module's settings (``hparams``) drew another split then, and the
    checkpoint does not say which one it trained on. Said once, naming the files that moved."""
    files = find_audio_files(root, tuple(hparams["extensions"]))
    settings = {"method": hparams["split"], "test_pattern": hparams["test_pattern"],
                "val_pattern": hparams["val_pattern"], "fractions": tuple(hparams["fractions"]),
                "seed": hparams["seed"]}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the split's own warnings were given as this fit drew it
        now = split_files(files, root, **settings)
        try:
            before = split_files(files, root, **settings, copies_together=False)
        except DataError:  # an empty split: no fit was made with that one
            return
    moved = _moved(before, now, root)
    if not moved:
        return
    more = f"; and {len(moved) - SHOWN_FILES} more" if len(moved) > SHOWN_FILES else ""
    warn_on_rank_zero(
        f"{ckpt_path} records no split of its files (made before ssm-ts kept one), and {root} holds "
        "byte-identical copies of recordings, which ssm-ts before 2026-12-01 split as other recordings: "
        f"that split differs from this one in {len(moved)} of {len(files)} files "
        f"({'; '.join(moved[:SHOWN_FILES])}{more}). If the fit was started with such a version, resuming "
        "it trains on files its validation and test splits held, and scores it on files it trained on: "
        f"{FIT_ANEW}. A fit started since drew this split, and resumes as it was",
        stacklevel=None,  # the user's line: this is said as Lightning asks for the training loader
    )
