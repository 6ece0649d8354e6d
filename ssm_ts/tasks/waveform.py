"""``WaveformTask``: SaShiMi trained by teacher-forced next-sample cross-entropy on quantised audio.

Batches are ``(codes (B, L) long, lengths (B,))`` from :class:`~ssm_ts.pipelines.audio.AudioDataModule`.
The model reads ``[silence, x_0, ..., x_{L-2}]`` and predicts ``x_0 .. x_{L-1}``; only the first
``length`` samples of each clip count (padding is masked). Metrics: ``{split}_loss`` (nats per
sample) and ``{split}_nll_bits`` (bits per sample) on validation and test; ``val_loss`` drives
checkpoints. The audio settings (sample rate, quantisation) are hyperparameters, so a checkpoint
alone can generate and decode audio.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import lightning.pytorch as pl
import numpy as np
import torch
import torch.nn.functional as F
import torchmetrics
from lightning.pytorch.callbacks import Callback

from ssm_ts.core import ssm_param_groups
from ssm_ts.errors import CheckpointError, ConfigError
from ssm_ts.export import load_export, save_export
from ssm_ts.models.sashimi import SaShiMi, sashimi_config
from ssm_ts.models.sashimi_recurrent import SaShiMiRecurrence
from ssm_ts.pipelines.audio import Quantizer, spectrogram_figure, write_spectrogram_sheet, write_wav
from ssm_ts.pipelines.sampling import TrainingRandomness
from ssm_ts.tasks.seeded_training import SeededTrainingHooks
from ssm_ts.tracking.resume_settings import builtin_hparams
from ssm_ts.training import check_learning_rate

EXPORT_KIND = "ssm-ts-waveform"
LN2 = math.log(2.0)


class WaveformTask(SeededTrainingHooks, pl.LightningModule):
    """Lightning task around :class:`~ssm_ts.models.sashimi.SaShiMi`.

    Args:
        preset: ``"sc09"`` (published SC09 sizes), ``"small"`` or ``"tiny"``; the options below override it.
        d_model, n_layers, pool, expand, ff_expand, ssm, d_state, dropout: SaShiMi settings
            (``ssm``: ``"diagonal"`` (S4D, default) or ``"dplr"`` (S4)).
        sample_rate, quantization, bits: the audio format (linked to the data module on the CLI).
        lr, weight_decay: AdamW; SSM parameters get their own group (lr <= 1e-3, no decay).
        lr_schedule: ``"cosine"`` over ``max_epochs`` or ``"none"``.
        sample_every_n_epochs, n_samples, sample_seconds: the audio-sample callback (0 = off).
    """

    def __init__(
        self,
        preset: Literal["sc09", "small", "tiny"] = "sc09",
        d_model: int | None = None,
        n_layers: int | None = None,
        pool: list[int] | None = None,
        expand: int | None = None,
        ff_expand: int | None = None,
        ssm: Literal["diagonal", "dplr"] | None = None,
        d_state: int | None = None,
        dropout: float | None = None,
        sample_rate: int = 16000,
        quantization: Literal["mu-law", "linear"] = "mu-law",
        bits: int = 8,
        lr: float = 4e-3,
        weight_decay: float = 0.0,
        lr_schedule: Literal["cosine", "none"] = "cosine",
        sample_every_n_epochs: int = 0,
        n_samples: int = 4,
        sample_seconds: float = 1.0,
    ):
        super().__init__()
        # here, not at the first optimizer step (torch's overflow traceback mid-fit, the run FAILED)
        check_learning_rate(lr, cli_option="--model.lr", default_from=type(self))
        self.save_hyperparameters()
        builtin_hparams(self)  # NumPy or Path settings would make its checkpoints unloadable
        self.quantizer = Quantizer(quantization, bits)
        cfg = sashimi_config(
            preset,
            n_classes=self.quantizer.n_classes,
            d_model=d_model,
            n_layers=n_layers,
            pool=pool,
            expand=expand,
            ff_expand=ff_expand,
            ssm=ssm,
            d_state=d_state,
            dropout=dropout,
        )
        self.net = SaShiMi.from_config(cfg)
        self.nll = torch.nn.ModuleDict(
            {s: torchmetrics.MeanMetric() for s in ("train_nll", "val_nll", "test_nll")}
        )
        self.randomness = TrainingRandomness()  # training batches' dropout, kept in checkpoints

    # ------------------------------------------------------------ likelihood

    def shifted_inputs(self, codes: torch.Tensor) -> torch.Tensor:
        """(B, L) targets -> (B, L) inputs ``[silence, x_0, ..., x_{L-2}]``."""
        first = torch.full_like(codes[:, :1], self.quantizer.silence)
        return torch.cat([first, codes[:, :-1]], dim=1)

    def sample_nll(
        self, codes: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-sample NLL in nats (B, L) and the mask (B, L) of real (unpadded) samples."""
        logits = self.net(self.shifted_inputs(codes))
        nll = F.cross_entropy(logits.transpose(1, 2), codes, reduction="none")
        L = codes.shape[1]
        if lengths is None:
            mask = torch.ones_like(nll, dtype=torch.bool)
        else:
            mask = torch.arange(L, device=codes.device) < lengths.unsqueeze(1)
        return nll, mask

    def _step(self, batch, split: str) -> torch.Tensor:
        codes, lengths = batch
        nll, mask = self.sample_nll(codes, lengths)
        count = mask.sum().clamp(min=1)
        loss = (nll * mask).sum() / count
        self.nll[f"{split}_nll"].update(loss.detach(), weight=count)
        on_step = split == "train"
        self.log(
            f"{split}_loss",
            loss,
            on_step=on_step,
            on_epoch=True,
            prog_bar=True,
            batch_size=int(count),
            sync_dist=not on_step,  # under DDP every rank monitors the same val/test loss; no per-step sync
        )
        return loss

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "test")

    def _epoch_end(self, split: str) -> None:
        # Weighted by real samples, so the figure is exactly bits per sample over the whole split.
        self.log(f"{split}_nll_bits", self.nll[f"{split}_nll"].compute() / LN2)
        self.nll[f"{split}_nll"].reset()

    def on_train_epoch_end(self) -> None:
        self._epoch_end("train")

    def on_validation_epoch_end(self) -> None:
        self._epoch_end("val")

    def on_test_epoch_end(self) -> None:
        self._epoch_end("test")

    def on_fit_start(self) -> None:
        """Say what reading the folder did (rates, channels, formats, resampled, mixed, skipped) on the
        console and as ``data.*`` tags of the MLflow run (tags, unlike params, may change on resume)."""
        summary = getattr(self.trainer.datamodule, "source_summary", None)
        if summary is None or self.trainer.global_rank != 0:
            return
        from lightning.pytorch.loggers import MLFlowLogger
        from rich.console import Console

        Console(stderr=True, highlight=False).print(
            f"[green]audio[/green] {self.trainer.datamodule.describe_sources()}"
        )
        tags = {f"data.{key}": str(value) for key, value in summary().items()}
        for logger in self.trainer.loggers:
            if isinstance(logger, MLFlowLogger):
                for key, value in tags.items():
                    logger.experiment.set_tag(logger.run_id, key, value)

    def configure_optimizers(self):
        hp = self.hparams
        optimizer = torch.optim.AdamW(ssm_param_groups(self.net, hp.lr, hp.weight_decay))
        if hp.lr_schedule == "none" or self.trainer is None or not self.trainer.max_epochs:
            return optimizer
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            optimizer, T_max=max(1, self.trainer.max_epochs)
        )
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def configure_callbacks(self) -> list[Callback]:
        hp = self.hparams
        if hp.sample_every_n_epochs > 0:
            return [AudioSampleCallback(hp.sample_every_n_epochs, hp.n_samples, hp.sample_seconds)]
        return []

    # ------------------------------------------------------------ generation

    @torch.no_grad()
    def generate_codes(
        self,
        n: int,
        n_samples: int,
        temperature: float = 1.0,
        top_p: float | None = None,
        prompt: torch.Tensor | None = None,
        seed: int | None = None,
        on_progress=None,
        first_clip: int = 0,
    ) -> torch.Tensor:
        """Sample (n, n_samples) codes in recurrent mode (constant time and memory per sample).

        With a ``seed``, row ``j`` is clip ``first_clip + j`` of that seed: its randomness comes from
        :func:`clip_generators` alone, so a clip is the same whatever the batch it is generated in
        (``ssm-ts audio generate --batch_size``) and however many clips are asked for.
        """
        was_training = self.net.training
        self.net.eval()
        try:
            generators = None
            if seed is not None:
                generators = clip_generators(seed, range(first_clip, first_clip + n), self.device)
            rec = SaShiMiRecurrence(self.net)
            return rec.generate(
                n,
                n_samples,
                self.quantizer.silence,
                temperature=temperature,
                top_p=top_p,
                prompt=prompt,
                generator=generators,
                on_progress=on_progress,
            )
        finally:
            self.net.train(was_training)

    def generate_audio(
        self,
        n: int,
        seconds: float,
        temperature: float = 1.0,
        top_p: float | None = None,
        seed: int | None = None,
        **options: Any,
    ) -> torch.Tensor:
        """Sample ``n`` clips of ``seconds``: float audio (n, samples) in [-1, 1]."""
        n, n_samples, temperature, top_p, seed = check_generation(
            n, seconds, int(self.hparams.sample_rate), temperature, top_p, seed
        )
        codes = self.generate_codes(n, n_samples, temperature=temperature, top_p=top_p, seed=seed, **options)
        return self.quantizer.decode(codes).cpu()

    def predict_step(self, batch, batch_idx: int) -> torch.Tensor:
        """One generated clip per clip of the batch, as long as the batch's clips: (B, samples) audio."""
        codes, _ = batch
        n_samples = codes.shape[1]
        # clip k of seed 0, k counted over the whole prediction (batches before this one are full)
        datamodule = getattr(self._trainer, "datamodule", None)
        first = batch_idx * int(getattr(datamodule, "batch_size", codes.shape[0]))
        codes = self.generate_codes(codes.shape[0], n_samples, seed=0, first_clip=first)
        return self.quantizer.decode(codes).cpu()

    def write_predictions(self, predictions: list, datamodule, out_dir: Path) -> list[Path]:
        """Generated clips -> ``sample_XXX.wav`` files and ``spectrograms.png`` in ``out_dir``."""
        clips = torch.cat([torch.as_tensor(p) for p in predictions])
        return write_clips(clips, self.hparams.sample_rate, Path(out_dir))

    # ------------------------------------------------------------ export

    def mlflow_pyfunc(self, datamodule, export_dir: Path):
        from ssm_ts.tracking.pyfunc_audio import write_model_code

        save_waveform_export(self, export_dir)
        # Logged from code: MLflow stores a short script that builds the pyfunc, not a pickle of it.
        return write_model_code(Path(export_dir).parent / "pyfunc_code"), {"waveform_model": str(export_dir)}

    def mlflow_example_and_signature(self, datamodule=None):
        """``(input example, signature)`` of the pyfunc :meth:`mlflow_pyfunc` logs: a request row and the
        request columns (``seconds`` required, the rest optional) with the output's
        (:mod:`ssm_ts.tracking.pyfunc_audio`). Without them MLflow warns on every logged model."""
        from ssm_ts.tracking.pyfunc_audio import request_example, request_signature

        return request_example(), request_signature()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_generation(
    n: Any, seconds: Any, sample_rate: int, temperature: Any = 1.0, top_p: Any = None, seed: Any = None
) -> tuple[int, int, float, float | None, int | None]:
    """Checked generation settings as ``(n, n_samples, temperature, top_p, seed)`` in plain Python
    types (numpy scalars pass). A wrong type or value is a ConfigError naming the setting: torch's
    own errors were TypeErrors deep in the sampler, and a NaN or inf temperature sampled garbage."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"n must be a whole number of clips >= 1, got {n!r}")
    if not _is_number(seconds) or not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"seconds must be a finite number > 0, got {seconds!r}")
    n_samples = int(round(float(seconds) * sample_rate))
    if n_samples < 1:
        raise ConfigError(
            f"seconds={seconds:g} is under one sample at {sample_rate} Hz; use at least {1 / sample_rate:.3g}"
        )
    if not _is_number(temperature) or not math.isfinite(temperature) or temperature <= 0:
        raise ConfigError(
            f"temperature must be a finite number > 0, got {temperature!r} (1 samples the model as "
            "trained; lower is more conservative)"
        )
    if top_p is not None and (not _is_number(top_p) or not 0 < top_p <= 1):  # NaN fails 0 < top_p
        raise ConfigError(f"top_p must be a number in (0, 1] or None, got {top_p!r}")
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise ConfigError(f"seed must be a whole number or None, got {seed!r}")
    _check_fits_in_memory(int(n), n_samples, seconds)
    return (
        int(n),
        n_samples,
        float(temperature),
        None if top_p is None else float(top_p),
        None if seed is None else int(seed),
    )


# bytes per generated sample: its int64 code and its float32 audio sample
BYTES_PER_SAMPLE = 8 + 4


def _check_fits_in_memory(n: int, n_samples: int, seconds: float) -> None:
    """Refuse clips whose codes and audio alone exceed this machine's memory (a served request of
    ``seconds=1e9`` reached ``torch.empty`` and failed there with the allocator's byte count)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): let torch decide
        return
    need = n * n_samples * BYTES_PER_SAMPLE
    if need > total:
        raise ConfigError(
            f"{n} clip(s) of {seconds:g} s need {need / 2**30:,.0f} GiB for their samples alone, more than "
            f"this machine's {total / 2**30:,.0f} GiB of memory; ask for fewer seconds or clips."
        )


def clip_generators(
    seed: int, clips: Iterable[int], device: torch.device | str = "cpu"
) -> list[torch.Generator]:
    """One torch generator per clip index in ``clips``, seeded from ``(seed, clip)`` alone.

    NumPy's ``SeedSequence`` mixes the pair (as ``SeedSequence(seed).spawn`` does), so the streams of
    neighbouring seeds and clips are independent, unlike ``manual_seed(seed + clip)``, where seed 7's
    clip 1 would be seed 8's clip 0. Negative seeds are taken modulo 2**64, as ``torch.manual_seed`` does.
    """
    entropy = seed if seed >= 0 else seed % 2**64
    return [
        torch.Generator(device=device).manual_seed(
            int(np.random.SeedSequence(entropy, spawn_key=(clip,)).generate_state(1, np.uint64)[0])
        )
        for clip in clips
    ]


def check_out_dir(out_dir: Path, option: str = "out_dir") -> None:
    """``out_dir`` must be a folder or creatable as one, and writable: a file there (or in its path)
    was a raw ``FileExistsError`` from ``mkdir``, a read-only place a ``PermissionError``, both after
    the clips had been generated. The check creates nothing: it makes and removes a temporary folder
    in the nearest existing folder of the path."""
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
    clips = torch.as_tensor(clips)
    if clips.dim() == 1:
        clips = clips.unsqueeze(0)
    if clips.dim() != 2 or clips.numel() == 0:
        raise ConfigError(f"clips must be audio (n, samples) or (samples,), got shape {tuple(clips.shape)}")
    check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # all of them, not only those beyond n: a run stopped while writing leaves a prefix of the new
    # clips, never new clips mixed with old ones
    for old in clip_files(out_dir, prefix):
        old.unlink(missing_ok=True)
    paths = [write_wav(out_dir / f"{prefix}_{i:03d}.wav", clip, sample_rate) for i, clip in enumerate(clips)]
    paths.append(write_spectrogram_sheet(out_dir / "spectrograms.png", clips[:16], sample_rate))
    return paths


class AudioSampleCallback(Callback):
    """Every ``every_n_epochs`` epochs, generate ``n`` clips and log WAVs and spectrograms to MLflow."""

    def __init__(self, every_n_epochs: int, n: int = 4, seconds: float = 1.0):
        self.every_n_epochs, self.n, self.seconds = every_n_epochs, n, seconds

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: WaveformTask) -> None:
        epoch = trainer.current_epoch + 1
        if trainer.sanity_checking or epoch % self.every_n_epochs or trainer.global_rank != 0:
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


# ------------------------------------------------------------ exports and checkpoints


def _task_arguments(hparams: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters :class:`WaveformTask` accepts: LightningCLI adds bookkeeping keys
    (``_instantiator``, ``_class_path``) that are no constructor arguments."""
    import inspect

    accepted = set(inspect.signature(WaveformTask.__init__).parameters) - {"self"}
    return {k: v for k, v in hparams.items() if k in accepted}


def save_waveform_export(task: WaveformTask, directory: str | Path) -> Path:
    """Write a self-describing export (task hyperparameters JSON + SaShiMi safetensors)."""
    hparams = {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")}
    return save_export(directory, {"kind": EXPORT_KIND, "task": hparams}, task.net.state_dict())


def load_waveform_export(directory: str | Path) -> WaveformTask:
    """Rebuild a :class:`WaveformTask` from :func:`save_waveform_export`'s folder (no unpickling)."""
    config, state_dict, _ = load_export(directory)
    if config.get("kind") != EXPORT_KIND:
        raise CheckpointError(f"{directory} holds a {config.get('kind')!r} export, not a waveform model")
    try:  # exports written before the save filter may hold ``_instantiator``: filter on load as well
        task = WaveformTask(**_task_arguments(config["task"]))
        task.net.load_state_dict(state_dict)
    except (TypeError, RuntimeError) as err:
        raise CheckpointError(f"{directory} does not fit a WaveformTask: {err}") from err
    return task.eval()


def load_waveform_model(path: str | Path) -> WaveformTask:
    """A waveform task from a Lightning ``.ckpt`` (read with ``weights_only=True``) or an export folder."""
    from ssm_ts.export import load_checkpoint

    path = Path(path)
    if path.is_dir():
        return load_waveform_export(path)
    ckpt = load_checkpoint(path)
    hparams = ckpt.get("hyper_parameters")
    if not isinstance(hparams, dict) or "state_dict" not in ckpt:
        raise CheckpointError(
            f"{path} is not a checkpoint of a WaveformTask (no hyper_parameters/state_dict)"
        )
    if not {"sample_rate", "quantization"} <= hparams.keys():  # another use's model (a forecaster's)
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


def configure_cli_parser(parser) -> None:
    """CLI links: the model's audio format follows the data module's."""
    parser.link_arguments("data.sample_rate", "model.sample_rate", apply_on="parse")
    parser.link_arguments("data.quantization", "model.quantization", apply_on="parse")
    parser.link_arguments("data.bits", "model.bits", apply_on="parse")
