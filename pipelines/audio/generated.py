"""Clips ssm-ts generated, found in an audio folder: a fit of a folder that holds its own outputs
(``ssm-ts audio fit --data.root .`` run in the folder of recordings, whose ``--out`` and
``audio generate --out`` default to folders inside it) would train on the model's own samples."""

from __future__ import annotations

import re
from pathlib import Path

# what write_clips (sample_000.wav) and the fit's listening samples (epoch001_sample0.wav) write,
# each folder of them with a spectrograms.png beside the clips
_GENERATED_NAME = re.compile(r"(sample_\d{3,}|epoch\d{3,}_sample\d+)\.wav")
SHEET = "spectrograms.png"


def is_generated_clip(path: Path) -> bool:
    """Whether ``path`` is a clip ssm-ts wrote: its name, and the spectrogram sheet beside it."""
    return bool(_GENERATED_NAME.fullmatch(path.name)) and (path.parent / SHEET).is_file()


_EPOCH_FOLDER = re.compile(r"epoch_(\d{3,})")


def is_listening_samples_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a fit's listening samples as ``ssm-ts audio fit`` mirrors them into
    ``<out>/samples`` and nothing else: ``epoch_NNN/`` folders of ``epochNNN_sampleK.wav`` clips beside
    their ``spectrograms.png``. A folder of anyone's own files named ``samples`` is not, nor are clips
    ``ssm-ts audio generate`` wrote into an ``epoch_NNN`` folder (``sample_000.wav``: the user's outputs)."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    epochs = list(folder.iterdir())
    if not epochs or not all(_EPOCH_FOLDER.fullmatch(p.name) and p.is_dir() for p in epochs):
        return False
    for epoch in epochs:
        files = list(epoch.iterdir())
        clips = [p for p in files if p.name != SHEET]
        # the fit's own names alone: epoch_002/ holds epoch002_sample0.wav, ...
        own_name = re.compile(rf"epoch{_EPOCH_FOLDER.fullmatch(epoch.name).group(1)}_sample\d+\.wav")
        if len(clips) == len(files) or not all(p.is_file() and own_name.fullmatch(p.name) for p in clips):
            return False
    return True
