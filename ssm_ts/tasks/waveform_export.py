"""A :class:`~ssm_ts.tasks.waveform.WaveformTask` saved as an export folder (settings JSON and SaShiMi
weights, nothing pickled) and loaded from one or from a Lightning checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.errors import CheckpointError
from ssm_ts.export import check_export_target, load_export, save_export
from ssm_ts.tasks.checkpoint_use import check_checkpoint_use, task_settings
from ssm_ts.tasks.waveform_generation import PYTHON_OPTIONS, OptionSpelling

if TYPE_CHECKING:
    from ssm_ts.tasks.waveform import WaveformTask

EXPORT_KIND = "ssm-ts-waveform"


def _task_arguments(hparams: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters :class:`WaveformTask` accepts: LightningCLI adds bookkeeping keys
    (``_instantiator``, ``_class_path``) that are no constructor arguments."""
    accepted = task_settings("audio")
    return {k: v for k, v in hparams.items() if k in accepted}


def save_waveform_export(
    task: WaveformTask, directory: str | Path, extras: dict[str, Any] | None = None
) -> Path:
    """Write a self-describing export (task hyperparameters JSON + SaShiMi safetensors), with
    ``extras`` (JSON: what ``WaveformGenerator.save`` keeps beside the model) in its ``extras.json``."""
    hparams = {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")}
    directory = Path(directory).expanduser()  # "~/model": not a folder named ~ in the working folder
    check_export_target(directory)
    return save_export(directory, {"kind": EXPORT_KIND, "task": hparams}, task.net.state_dict(), extras)


def saved_extras(path: str | Path) -> dict[str, Any]:
    """The ``extras`` :func:`save_waveform_export` wrote with the model at ``path`` (an export folder, or
    a folder holding one); ``{}`` for a checkpoint or an export written without them."""
    path = Path(path).expanduser()
    if not path.is_dir():
        return {}
    extras = load_export(path)[2]
    return extras if isinstance(extras, dict) else {}


def load_waveform_export(directory: str | Path) -> WaveformTask:
    """Rebuild a :class:`WaveformTask` from :func:`save_waveform_export`'s folder (no unpickling)."""
    from ssm_ts.tasks.waveform import WaveformTask

    config, state_dict, _ = load_export(directory)
    if config.get("kind") != EXPORT_KIND:
        raise CheckpointError(f"{directory} holds a {config.get('kind')!r} export, not a waveform model")
    try:  # exports written before the save filter may hold ``_instantiator``: filter on load as well
        task = WaveformTask(**_task_arguments(config["task"]))
        task.net.load_state_dict(state_dict)
    except (TypeError, RuntimeError) as err:
        raise CheckpointError(f"{directory} does not fit a WaveformTask: {err}") from err
    return task.eval()


def load_waveform_model(path: str | Path, spelling: OptionSpelling = PYTHON_OPTIONS) -> WaveformTask:
    """A waveform task from a Lightning ``.ckpt`` (read with ``weights_only=True``) or an export folder.
    A fit's output folder is refused with the model in it to pass, as ``spelling``'s front end takes it
    (``WaveformGenerator.load('out/export')``; ``ssm-ts audio generate``: ``--ckpt_path out/export``)."""
    from ssm_ts.export import load_checkpoint
    from ssm_ts.tasks.waveform import WaveformTask

    path = Path(path).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            _refuse_fit_folder(path, spelling)
        return load_waveform_export(path)
    if not path.exists():
        raise CheckpointError(
            f"checkpoint not found: {path}; pass a .ckpt written by an audio fit, or the folder of "
            "WaveformGenerator.save (a fit's export/ folder)"
        )
    ckpt = load_checkpoint(path)
    hparams = ckpt.get("hyper_parameters")
    if not isinstance(hparams, dict) or "state_dict" not in ckpt:
        raise CheckpointError(
            f"{path} is not a checkpoint of a WaveformTask (no hyper_parameters/state_dict)"
        )
    check_checkpoint_use(ckpt, "audio", "generate", str(path))  # a forecaster's: name its use and command
    if not {"sample_rate", "quantization"} <= hparams.keys():  # settings of no one use
        names = [k for k in hparams if not k.startswith("_")]
        raise CheckpointError(
            f"{path} is not an audio model's checkpoint: its settings are {', '.join(names[:8])}"
            f"{', ...' if len(names) > 8 else ''} (no sample_rate or quantization). Pass a checkpoint "
            "written by 'ssm-ts audio fit' (<out>/<experiment id>/<run id>/checkpoints/last.ckpt) or a "
            "WaveformGenerator.save folder"
        )
    try:
        task = WaveformTask(**_task_arguments(hparams))
        task.load_state_dict(ckpt["state_dict"])
    except (TypeError, RuntimeError) as err:
        raise CheckpointError(f"{path} does not fit a WaveformTask: {err}") from err
    return task.eval()


def _refuse_fit_folder(path: Path, spelling: OptionSpelling) -> None:
    """A fit's output folder (its ``--out``, or a run folder in it) given where an export or a
    checkpoint is meant: name what in it loads, as the front end of ``spelling`` takes it, ready to
    paste. Other folders are left to the export's own error."""
    # the shallowest export (<out>/export: the fit that finished last), the newest of several runs' at one depth
    exports = sorted(path.rglob("export/config.json"), key=lambda p: (len(p.parts), -p.stat().st_mtime_ns))
    checkpoints = sorted(path.rglob("last.ckpt"), key=lambda p: -p.stat().st_mtime_ns)  # the newest fit's
    if not exports and not checkpoints:
        _refuse_audio_folder(path)
        return
    found = exports[0].parent if exports else checkpoints[0]
    if not spelling.flags:
        raise CheckpointError(
            f"{path} is a fit's output folder, not a saved model: load the model in it with "
            f"WaveformGenerator.load({str(found)!r})"
        )
    # best/last are looked for where a fit writes them under its --out (with and without MLflow)
    is_out = any(path.glob("*/*/checkpoints/*.ckpt")) or any(path.glob("checkpoints/*.ckpt"))
    named = f", or {spelling.given('ckpt_path', 'best')} {spelling.given('out', path)}" if is_out else ""
    raise CheckpointError(
        f"{path} is a fit's output folder, not a saved model: pass {spelling.given('ckpt_path', found)}{named}"
    )


def _refuse_audio_folder(path: Path) -> None:
    """A folder of recordings given where a saved model is meant (the data folder for the model's):
    say so, and where each belongs. It was "config.json is missing; save the model again"."""
    from ssm_ts.pipelines.audio import AUDIO_EXTENSIONS
    from ssm_ts.pipelines.audio.folder import visible_files

    # as a fit reads the folder: not macOS '._take1.wav' metadata, which sorted first and was the example
    audio = sorted(p for p in visible_files(path) if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
    if not audio:
        return
    raise CheckpointError(
        f"{path} is a folder of audio ({len(audio)} file(s) such as {audio[0].relative_to(path)}), not a saved "
        "model: load the folder WaveformGenerator.save wrote, a fit's export/ folder or its .ckpt. To train "
        f"on these recordings: WaveformGenerator(...).fit({str(path)!r}) (CLI: ssm-ts audio fit --data.root {path})"
    )
