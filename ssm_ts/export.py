"""Self-describing model exports: ``config.json`` + ``model.safetensors`` + ``extras.json``.

Loading never unpickles: weights come from safetensors, everything else from JSON. Exports are
written to a temporary folder and renamed, so a crash never leaves a half-written export.
"""

from __future__ import annotations

import json
import os
import pickle
import pickletools
import re
import zipfile
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
MLFLOW_MODEL_FILE = "MLmodel"  # what marks a logged MLflow model's folder
EXPORT_FILES = frozenset({CONFIG_FILE, WEIGHTS_FILE, EXTRAS_FILE})  # what save_export writes, and may replace
# Where an export lies inside the folders users are given: a logged model (MLflow copies the pyfunc's
# artifacts into artifacts/<folder name>, and the fit's export folder is named "export",
# ssm_ts.tracking.run_folder.EXPORT_NAME), the folder a download put that model in (dl/model/...), and
# a fit's out_dir (its export published as out_dir/export).
EXPORT_SUBFOLDERS = ("artifacts/export", "*/artifacts/export", "export")


def _to_json(data: dict[str, Any], what: str) -> str:
    try:
        return json.dumps(data, indent=2, sort_keys=True)
    except TypeError as err:
        raise ConfigError(
            f"{what} must hold only JSON values (numbers, strings, lists, dicts): {err}"
        ) from err


def check_export_target(directory: Path, files: frozenset[str] = EXPORT_FILES) -> None:
    """A save replaces its folder whole: refuse a file there, or a folder holding anything but the
    ``files`` an earlier save wrote (``gen.save("my_wavs")`` deleted the recordings,
    ``fc.save("data")`` the CSVs beside it, ``gen.save("take.wav")`` the take)."""
    if directory.is_dir():
        others = sorted(p.name for p in directory.iterdir() if p.name not in files)
        if not others:
            return
        listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise ConfigError(
            f"{directory} holds files that are no saved model ({listed}): saving replaces the folder "
            "whole. Give a new folder (or an earlier save's) to save into."
        )
    if directory.exists():
        raise ConfigError(f"{directory} is a file, not a folder: give a new folder to save the model into.")


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
    return Path(directory).expanduser()


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a Lightning ``.ckpt`` with ``weights_only=True``: tensors and plain containers only.

    A checkpoint that needs arbitrary classes to unpickle (which could run code) is refused; a file
    that is no checkpoint at all (text, a CSV, an audio file) is named as such, and so is a
    checkpoint cut short.

    Raises:
        CheckpointError: missing, not a checkpoint, truncated or corrupt, or unsafe.
    """
    path = Path(path).expanduser()
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
    except OSError as err:
        if _zip_cut_short(path):  # torch's zip reader seeks before the file's start for the missing end
            raise _load_error(path, err) from err
        # unreadable (permissions, a device error): nothing to say about its content
        raise CheckpointError(f"cannot read checkpoint {path}: {err}") from err
    except Exception as err:  # noqa: BLE001 - torch.load on arbitrary bytes raises KeyError, IndexError, ...
        raise _load_error(path, err) from err


# what to pass instead, in every "not a checkpoint" / "truncated" message
PASS_A_CHECKPOINT = (
    "pass a .ckpt file written by a fit (<its --out>/<experiment id>/<run id>/checkpoints/best-epoch=N.ckpt "
    "or last.ckpt; on the command line also --ckpt_path best or last with the fit's --out)"
)
_ZIP_MAGIC = b"PK\x03\x04"
# other formats a user may pass by mistake, by their first bytes
_MAGIC_NAMES = {
    b"RIFF": "a WAV (RIFF) audio file",
    b"fLaC": "a FLAC audio file",
    b"OggS": "an Ogg audio file",
    b"\x89PNG": "a PNG image",
    b"PAR1": "a Parquet file",
    b"\x93NUMPY": "a NumPy .npy array",
}


def _load_error(path: Path, err: Exception) -> CheckpointError:
    """The error for a file ``torch.load`` failed on, told apart by reading the file without unpickling
    it: not a checkpoint (text, a CSV, an empty file, another format), a checkpoint cut short, or a
    pickle that imports objects other than tensors (the safety refusal)."""
    not_one = not_a_checkpoint(path)
    if not_one is not None:
        return CheckpointError(f"{path} is not a checkpoint ({not_one}); {PASS_A_CHECKPOINT}")
    imports = _refused_imports(path, err) if isinstance(err, pickle.UnpicklingError) else None
    if imports is None:
        reason = "its zip archive's end is missing" if _zip_cut_short(path) else _reason(err)
        return CheckpointError(
            f"cannot read checkpoint {path}: it is truncated or damaged ({reason}); a fit stopped while "
            f"writing it, or a copy was cut short. Resume from another checkpoint of the fit"
            f"{_checkpoints_beside(path)}; {PASS_A_CHECKPOINT}"
        )
    if not imports and not _is_torch_file(path):  # a pickle of plain values, not written by torch.save
        return CheckpointError(
            f"{path} is not a checkpoint (a Python pickle that torch.save did not write); {PASS_A_CHECKPOINT}"
        )
    what = (
        f"it imports {', '.join(imports)}"
        if imports
        else f"it holds objects other than tensors ({_reason(err)})"
    )
    return CheckpointError(
        f"refused to load {path}: {what}, which could run code when unpickled. Only load checkpoints you "
        "trust, re-exported by ssm-ts."
    )


def _zip_cut_short(path: Path) -> bool:
    """Whether ``path`` starts as a zip (torch.save's format) whose end, its central directory, is missing."""
    try:
        with open(path, "rb") as f:
            return f.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC and not zipfile.is_zipfile(path)
    except OSError:
        return False


def _checkpoints_beside(path: Path) -> str:
    """`` (beside it: best-epoch=3.ckpt, ...)``: the other checkpoints in ``path``'s folder, or ``""``."""
    others = sorted(p.name for p in path.parent.glob("*.ckpt") if p.name != path.name and p.name[0] != ".")
    shown = ", ".join(others[:4]) + (", ..." if len(others) > 4 else "")
    return f" (beside it: {shown})" if others else ""


def not_a_checkpoint(path: Path) -> str | None:
    """What ``path`` is when it is no PyTorch file at all (``"the file is empty"``, ``"a CSV, first line
    'date,value'"``, ...), read without unpickling; ``None`` for a PyTorch zip or a pickle, whole or not."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if not head:
        return "the file is empty"
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(path):
            return None  # a zip whose end (its central directory) is missing: a checkpoint cut short
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        if any(name.endswith("/data.pkl") for name in names):
            return None
        return f"a zip archive of other files: {', '.join(names[:3])}{', ...' if len(names) > 3 else ''}"
    if _starts_a_pickle(head):
        return None
    if len(head) > 8 and head[8:10] == b'{"' and path.suffix == ".safetensors":
        return "a safetensors file: the weights of an export, whose folder WaveformGenerator.load / Forecaster.load read"
    named = next((name for magic, name in _MAGIC_NAMES.items() if head.startswith(magic)), None)
    if named is not None:
        return named
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not a character cut at the 4096th byte
            return f"binary data starting {head[:8]!r}"
        text = head[: err.start].decode("utf-8")
    if "\x00" in text:
        return f"binary data starting {head[:8]!r}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    shown = first if len(first) <= 60 else first[:57] + "..."
    return f"{'a CSV' if _looks_like_csv(path, lines) else 'a text file'}, first line {shown!r}"


def _looks_like_csv(path: Path, lines: list[str]) -> bool:
    """A table: named .csv/.tsv, or its first two lines hold the same number of commas (or tabs)."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return True
    return len(lines) > 1 and any(lines[0].count(sep) == lines[1].count(sep) > 0 for sep in ",\t;")


def _starts_a_pickle(head: bytes) -> bool:
    """A PROTO opcode (protocol 2 to 5) first, as torch.save's legacy format and pickle.dump write. A
    protocol-0 pickle is plain text, and plain text can parse as one ("1." is POP_MARK, STOP)."""
    return len(head) > 1 and head[0] == 0x80 and 2 <= head[1] <= 5


def _is_torch_file(path: Path) -> bool:
    """Whether ``path`` was written by torch.save: a zip with ``<name>/data.pkl``, or a legacy file,
    which starts with torch's pickled magic number."""
    if zipfile.is_zipfile(path):
        return True
    with open(path, "rb") as f:
        return f.read(4) == b"\x80\x02\x8a\x0a"  # protocol 2, then a 10-byte long: torch's magic number


def _refused_imports(path: Path, err: Exception) -> list[str] | None:
    """The objects a whole pickle imports that torch refused (``["builtins.open"]``), read with
    :mod:`pickletools`, which parses opcodes and never builds an object; ``[]`` for a whole pickle
    that imports nothing, ``None`` for one cut short (no STOP: truncated)."""
    refused = re.findall(r"Unsupported global: GLOBAL (\S+)", str(err))
    if zipfile.is_zipfile(path):
        return refused
    imports: list[str] = []
    strings: list[str] = []
    with open(path, "rb") as f:
        try:
            for opcode, arg, _ in pickletools.genops(f):
                if isinstance(arg, str):
                    strings.append(arg)
                if opcode.name in ("GLOBAL", "INST"):  # "module name"
                    imports.append(arg.replace(" ", "."))
                elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                    imports.append(".".join(strings[-2:]))
                elif opcode.name == "STOP":
                    break
            else:
                return None
        except Exception:  # noqa: BLE001 - a parse error: not a whole pickle
            return None
    return refused or sorted(set(imports))


def _reason(err: BaseException) -> str:
    """The first sentence of torch's own reason (its message opens with advice about ``weights_only``)."""
    text = str(err).split("WeightsUnpickler error:", 1)[-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0].split(". ")[0].rstrip(".") if lines else type(err).__name__


def export_folder(directory: str | os.PathLike) -> Path:
    """The export folder ``directory`` stands for: itself when it holds ``config.json`` (or is no
    folder), else the one export inside it when it is a downloaded MLflow model (``artifacts/export``),
    the folder it was downloaded into (``model/artifacts/export``) or a fit's ``out_dir`` (``export``),
    so that those load as they are; else itself.

    Raises:
        CheckpointError: ``directory`` holds several such exports (named, to pick one).
    """
    directory = Path(directory).expanduser()
    if (directory / CONFIG_FILE).is_file() or not directory.is_dir():
        return directory
    inside = sorted(
        {config.parent for sub in EXPORT_SUBFOLDERS for config in directory.glob(f"{sub}/{CONFIG_FILE}")}
    )
    if len(inside) > 1:
        raise CheckpointError(
            f"{directory} holds no export itself but {len(inside)} inside: {', '.join(map(str, inside))}; "
            "load one of them"
        )
    return inside[0] if inside else directory


def _checkpoint_hint(path: Path) -> str:
    """What to load instead of the Lightning checkpoint ``path`` (a ``.ckpt``: a fit's training state,
    not a saved model): the export its fit saved, when one lies in the fit's folder (``export/`` beside
    ``checkpoints/``, or its ``out_dir``'s), and the CLI, which predicts from a checkpoint itself."""
    if not path.is_file() or path.suffix != ".ckpt":
        return ""
    near = [folder / "export" for folder in path.parents[1:4]]
    found = next((str(folder) for folder in near if (folder / CONFIG_FILE).is_file()), None)
    load = (
        f"its fit saved the model in {found}: load that folder (Forecaster.load({found!r}))"
        if found
        else "load the folder .save() wrote, or the fit's out_dir (it holds export/ when the fit logged to MLflow)"
    )
    return (
        f"; {path.name} is a Lightning checkpoint (training state), not a saved model. {load}. To forecast "
        f"from the checkpoint itself use the command line: ssm-ts forecast predict --ckpt_path {str(path)!r} "
        "(ssm-ts classify predict for a classifier's; the fit's data settings come from the checkpoint)"
    )


def load_export(
    directory: str | os.PathLike,
) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, Any]]:
    """Read an export folder written by :func:`save_export` (or a folder holding one, see
    :func:`export_folder`); tensors land on the CPU.

    Returns:
        ``(config, state_dict, extras)``.

    Raises:
        CheckpointError: the folder or one of its files is missing or unreadable.
    """
    directory = export_folder(directory)
    if not directory.is_dir():
        raise CheckpointError(
            f"no saved model at {directory}: expected a folder written by .save()"
            + _checkpoint_hint(directory)
        )
    if (directory / MLFLOW_MODEL_FILE).is_file() and not (directory / CONFIG_FILE).is_file():
        raise CheckpointError(
            f"{directory} is an MLflow model (it holds {MLFLOW_MODEL_FILE}) without an ssm-ts export in "
            f"{EXPORT_SUBFOLDERS[0]}/: load it with mlflow.pyfunc.load_model({str(directory)!r}), or give "
            "the folder a model's .save() wrote"
        )
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
