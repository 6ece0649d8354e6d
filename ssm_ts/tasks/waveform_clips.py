"""Generated audio clips written as files: the output folder checked before generating, the clips
as ``<prefix>_NNN.wav`` beside a spectrogram sheet (an earlier write's clips replaced), and the
training callback that logs sample clips to MLflow."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.audio import spectrogram_figure, write_spectrogram_sheet, write_wav
from ssm_ts.pipelines.audio.generated import SHEET

if TYPE_CHECKING:
    from ssm_ts.tasks.waveform import WaveformTask


def check_out_dir(out_dir: Path, option: str = "out_dir", prefix: str = "sample") -> None:
    """``out_dir`` must be a folder or creatable as one, and writable: a file there (or in its path)
    was a raw ``FileExistsError`` from ``mkdir``, a read-only place a ``PermissionError``, both after
    the clips had been generated. The check creates nothing: it makes and removes a temporary folder
    in the nearest existing folder of the path. ``<prefix>_NNN.wav`` files there that no earlier write
    left (no spectrogram sheet beside them: a user's recordings) are refused, as writing replaces them."""
    _check_no_files_of_clip_names(out_dir, option, prefix)
    for path in (out_dir, *out_dir.parents):
        if path.exists():
            if not path.is_dir():
                what = "is a file" if path == out_dir else f"is inside {path}, which is a file"
                raise ConfigError(
                    f"{option} {out_dir} {what}, not a folder; give {option} a folder path "
                    "(it is created if missing)."
                )
            try:
                tempfile.TemporaryDirectory(dir=path, prefix=".ssm-ts-write-check-").cleanup()
            except OSError as err:
                raise ConfigError(
                    f"{option} {out_dir} cannot be written: {path} takes no new files ({err.strerror}); "
                    f"give {option} a folder you can write to."
                ) from err
            return


def _check_no_files_of_clip_names(out_dir: Path, option: str, prefix: str) -> None:
    """A folder of recordings named ``sample_000.wav``, ... given as the output folder lost them all."""
    taken = clip_files(out_dir, prefix)
    if taken and not (out_dir / SHEET).is_file():
        names = ", ".join(p.name for p in taken[:3]) + (", ..." if len(taken) > 3 else "")
        raise ConfigError(
            f"{option} {out_dir} holds {len(taken)} file(s) named as generated clips ({names}) but no {SHEET}: "
            f"not clips of an earlier run, which writing would replace. Give {option} another folder."
        )


def clip_files(out_dir: Path, prefix: str = "sample") -> list[Path]:
    """The clips :func:`write_clips` wrote into ``out_dir`` (``<prefix>_000.wav``, ...), sorted; only
    files of exactly that name pattern, never a user's other files."""
    if not out_dir.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(prefix)}_\d{{3,}}\.wav")
    return sorted(p for p in out_dir.iterdir() if pattern.fullmatch(p.name) and not p.is_dir())


def write_clips(clips: torch.Tensor, sample_rate: int, out_dir: Path, prefix: str = "sample") -> list[Path]:
    """Write ``clips`` (n, samples), or one clip (samples,), as WAV files ``<prefix>_000.wav``, ...
    plus a spectrogram sheet; return the paths.

    Clips of an earlier write into ``out_dir`` are replaced: its ``<prefix>_NNN.wav`` files are
    removed first (a second run with fewer clips left the first run's extra ones beside the new
    ones), then each file is written atomically. Other files in ``out_dir`` are left alone.
    """
    clips, out_dir = torch.as_tensor(clips), Path(out_dir).expanduser()  # "~/samples", as a shell's
    if clips.dim() == 1:
        clips = clips.unsqueeze(0)
    if clips.dim() != 2 or clips.numel() == 0:
        raise ConfigError(f"clips must be audio (n, samples) or (samples,), got shape {tuple(clips.shape)}")
    _check_clip_values(clips)
    check_out_dir(out_dir, prefix=prefix)
    out_dir.mkdir(parents=True, exist_ok=True)
    # all of them, not only those beyond n: a run stopped while writing leaves a prefix of the new
    # clips, never new clips mixed with old ones
    for old in clip_files(out_dir, prefix):
        old.unlink(missing_ok=True)
    # the sheet first: it marks the clips as generated ones, for check_out_dir and an audio folder's reader
    sheet = write_spectrogram_sheet(out_dir / SHEET, clips[:16], sample_rate)
    paths = [write_wav(out_dir / f"{prefix}_{i:03d}.wav", clip, sample_rate) for i, clip in enumerate(clips)]
    return [*paths, sheet]


def _check_clip_values(clips: torch.Tensor) -> None:
    """Float audio, finite: integer PCM was clipped to full scale and a NaN written as full-scale -1,
    each a WAV of one value, without a word. Peaks beyond [-1, 1] are clipped."""
    if not clips.is_floating_point():
        raise DataError(
            f"the clips hold {str(clips.dtype).removeprefix('torch.')} samples; write float audio in [-1, 1] "
            "(16-bit PCM divided by 32768)"
        )
    bad = ~torch.isfinite(clips)
    if bad.any():
        clip, sample = (int(i) for i in bad.nonzero()[0])
        raise DataError(
            f"the clips hold {int(bad.sum())} NaN or inf value(s) (first in clip {clip} at sample {sample}); "
            "write finite audio in [-1, 1]"
        )


class AudioSampleCallback(Callback):
    """Every ``every_n_epochs`` epochs, generate ``n`` clips and log WAVs and spectrograms to MLflow."""

    def __init__(self, every_n_epochs: int, n: int = 4, seconds: float = 1.0):
        self.every_n_epochs, self.n, self.seconds = every_n_epochs, n, seconds

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: WaveformTask) -> None:
        epoch = trainer.current_epoch + 1
        if trainer.sanity_checking or epoch % self.every_n_epochs or trainer.global_rank != 0:
            return
        if trainer.state.fn != TrainerFn.FITTING:  # a validate run's were "epoch_001" of any checkpoint
            return
        from lightning.pytorch.loggers import MLFlowLogger

        from ssm_ts.tracking.logger import log_artifact, log_figure

        loggers = [lg for lg in trainer.loggers if isinstance(lg, MLFlowLogger)]
        if not loggers:
            return
        clips = pl_module.generate_audio(self.n, self.seconds, seed=epoch)
        rate = pl_module.hparams.sample_rate
        with tempfile.TemporaryDirectory() as tmp:
            for i, clip in enumerate(clips):
                write_wav(Path(tmp) / f"epoch{epoch:03d}_sample{i}.wav", clip, rate)
            for logger in loggers:
                log_artifact(logger, tmp, f"samples/epoch_{epoch:03d}")
        import matplotlib.pyplot as plt

        fig = spectrogram_figure(clips, rate)
        for logger in loggers:
            log_figure(logger, fig, f"samples/epoch_{epoch:03d}/spectrograms.png")
        plt.close(fig)
