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
from pathlib import Path
from typing import Any, Literal

import lightning.pytorch as pl
import torch
import torch.nn.functional as F
from lightning.pytorch.callbacks import Callback

from ssm_ts.core import ssm_param_groups
from ssm_ts.errors import ConfigError
from ssm_ts.models.sashimi import SaShiMi, sashimi_config
from ssm_ts.models.sashimi_recurrent import SaShiMiRecurrence
from ssm_ts.pipelines.audio import Quantizer
from ssm_ts.pipelines.sampling import TrainingRandomness
from ssm_ts.tasks.metric_reset import ScoresStartEachEpoch
from ssm_ts.tasks.optimizer_settings import check_lr_schedule, check_weight_decay
from ssm_ts.tasks.seeded_training import SeededTrainingHooks
from ssm_ts.tasks.waveform_clips import AudioSampleCallback, check_out_dir, clip_files, write_clips
from ssm_ts.tasks.waveform_export import (
    EXPORT_KIND,
    load_waveform_export,
    load_waveform_model,
    save_waveform_export,
)
from ssm_ts.tasks.waveform_generation import BYTES_PER_SAMPLE, check_generation, clip_generators
from ssm_ts.tasks.weighted_mean import WeightedMean
from ssm_ts.tracking.resume_settings import builtin_hparams
from ssm_ts.training import check_learning_rate
from ssm_ts.whole_numbers import is_whole_number

LN2 = math.log(2.0)
# moved to their own modules; the API, the CLI and tests import them from here
__all__ = [
    "BYTES_PER_SAMPLE",
    "EXPORT_KIND",
    "LN2",
    "AudioSampleCallback",
    "WaveformTask",
    "check_generation",
    "check_out_dir",
    "clip_files",
    "clip_generators",
    "configure_cli_parser",
    "load_waveform_export",
    "load_waveform_model",
    "save_waveform_export",
    "write_clips",
]


def check_listening_samples(every_n_epochs: Any, n: Any, seconds: Any) -> None:
    """The sample callback's settings, checked before training: ``n_samples=0`` failed after the first
    epoch had trained, and ``sample_every_n_epochs=1.5`` sampled at every third epoch."""
    if not is_whole_number(every_n_epochs) or every_n_epochs < 0:
        raise ConfigError(
            f"sample_every_n_epochs must be a whole number >= 0 (0: off), got {every_n_epochs!r}"
        )
    if every_n_epochs == 0:
        return
    if not is_whole_number(n) or n < 1:
        raise ConfigError(f"n_samples must be a whole number of clips >= 1, got {n!r}")
    if not (isinstance(seconds, numbers.Real) and not isinstance(seconds, bool)) or not (
        math.isfinite(seconds) and seconds > 0
    ):
        raise ConfigError(f"sample_seconds must be a number of seconds > 0, got {seconds!r}")


class WaveformTask(SeededTrainingHooks, ScoresStartEachEpoch, pl.LightningModule):
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
        check_weight_decay(weight_decay)  # torch takes a negative one without a word
        check_lr_schedule(lr_schedule)  # anything else trained with the cosine schedule
        check_listening_samples(sample_every_n_epochs, n_samples, sample_seconds)
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
        # weighted by real samples; a NaN loss makes the epoch's NaN (MeanMetric left it out, reading
        # every batch's loss on the host: on a GPU a sync per step)
        self.nll = torch.nn.ModuleDict({s: WeightedMean() for s in ("train_nll", "val_nll", "test_nll")})
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
        count = mask.sum()  # real samples: a batch of padding alone (skipped files' clips) weighs nothing
        loss = (nll * mask).sum() / count.clamp(min=1)
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
        # Weighted by real samples, so the figure is exactly bits per sample over the whole split. The
        # progress bar shows validation's beside val_loss (nats), the unit SaShiMi's NLL is given in
        mean = self.nll[f"{split}_nll"]
        nll, weight = mean.mean_and_weight()  # synced under DDP: the same on every process
        datamodule = getattr(self._trainer, "datamodule", None)
        name_found_bad = getattr(datamodule, "name_found_bad", None)
        if name_found_bad is not None:  # files found damaged (under DDP clipped too), named once
            name_found_bad(split)
        if not weight:  # no sample scored (NaN, 0 / 0): files skipped as found bad, named, not a NaN score
            check_scored = getattr(datamodule, "check_scored", None)
            if check_scored is not None:
                check_scored(split, complete=not self.trainer.sanity_checking)
        self.log(f"{split}_nll_bits", nll / LN2, prog_bar=split == "val")
        self.nll[f"{split}_nll"].reset()

    def split_scores(self, split: str) -> list[torch.nn.Module]:
        """``split``'s NLL mean, reset as its epoch starts (:class:`ScoresStartEachEpoch`): it is updated
        in place, so under ``ddp_spawn`` it held the started processes' sums in the launching process."""
        return [self.nll[f"{split}_nll"]]

    def on_train_epoch_end(self) -> None:
        self._epoch_end("train")

    def on_validation_epoch_end(self) -> None:
        self._epoch_end("val")

    def on_test_epoch_end(self) -> None:
        self._epoch_end("test")

    def setup(self, stage: str) -> None:
        """After the data module's setup, before any loader: the files its validation and test find damaged
        (its training too, under DDP) are named at each epoch's end (:meth:`_epoch_end`), once under DDP
        (by rank 0), each by its first clip found so; one process names a training file as it finds it.
        Under DDP the files clipped at full scale too, from every process's counts."""
        super().setup(stage)
        name_later = getattr(getattr(self._trainer, "datamodule", None), "name_damaged_at_epoch_ends", None)
        if name_later is not None:
            name_later(stage)

    def on_fit_start(self) -> None:
        """Say what reading the folder did (rates, channels, formats, resampled, mixed, skipped) on the
        console and as ``data.*`` tags of the MLflow run (tags, unlike params, may change on resume)."""
        summary = getattr(self.trainer.datamodule, "source_summary", None)
        if summary is None or self.trainer.global_rank != 0:
            return
        from lightning.pytorch.loggers import MLFlowLogger

        self._say_what_was_read()
        tags = {f"data.{key}": str(value) for key, value in summary().items()}
        for logger in self.trainer.loggers:
            if isinstance(logger, MLFlowLogger):
                for key, value in tags.items():
                    logger.experiment.set_tag(logger.run_id, key, value)

    def on_validation_start(self) -> None:
        if self.trainer.state.fn != "fit":  # ssm-ts audio validate; a fit said it at its start
            self._say_what_was_read()

    def on_test_start(self) -> None:
        self._say_what_was_read()

    def _say_what_was_read(self) -> None:
        """The data module's line of what it read (files used, of how many, and each split's share), once
        per data module: ``validate`` and ``test`` read their data settings from the checkpoint
        (``max_files_per_split`` too) and said nothing of how many files they scored."""
        datamodule = getattr(self.trainer, "datamodule", None)
        describe = getattr(datamodule, "describe_sources", None)
        if describe is None or self.trainer.global_rank != 0 or getattr(datamodule, "sources_said", False):
            return
        from rich.console import Console

        Console(stderr=True, highlight=False).print(f"[green]audio[/green] {describe()}")
        datamodule.sources_said = True

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

    def mlflow_pyfunc(self, datamodule, export_dir: Path, extras: dict[str, Any] | None = None):
        """The pyfunc of this model: its export in ``export_dir`` (with ``extras``: what
        ``WaveformGenerator.save`` keeps beside it) and the script that loads it."""
        from ssm_ts.tracking.pyfunc_audio import write_model_code

        save_waveform_export(self, export_dir, extras)
        # Logged from code: MLflow stores a short script that builds the pyfunc, not a pickle of it.
        return write_model_code(Path(export_dir).parent / "pyfunc_code"), {"waveform_model": str(export_dir)}

    def mlflow_example_and_signature(self, datamodule=None):
        """``(input example, signature)`` of the pyfunc :meth:`mlflow_pyfunc` logs: a request row and the
        request columns (``seconds`` required, the rest optional) with the output's
        (:mod:`ssm_ts.tracking.pyfunc_audio`). Without them MLflow warns on every logged model."""
        from ssm_ts.tracking.pyfunc_audio import request_example, request_signature

        return request_example(), request_signature()


def configure_cli_parser(parser) -> None:
    """CLI links: the model's audio format follows the data module's."""
    parser.link_arguments("data.sample_rate", "model.sample_rate", apply_on="parse")
    parser.link_arguments("data.quantization", "model.quantization", apply_on="parse")
    parser.link_arguments("data.bits", "model.bits", apply_on="parse")
