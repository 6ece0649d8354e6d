"""``ssm_ts.WaveformGenerator``: a folder of audio in, a SaShiMi waveform model and generated clips out.

    >>> gen = WaveformGenerator(preset="small", max_epochs=10)
    >>> gen.fit("digits/", sample_rate=16000)          # logs an MLflow run (sqlite:///mlflow.db)
    >>> audio = gen.generate(4, seconds=1.0)            # (4, 16000) float in [-1, 1]
    >>> gen.save("digits-model"); WaveformGenerator.load("digits-model")

Generation runs the model recurrently (constant time and memory per sample).
"""

from __future__ import annotations

import inspect
import math
import numbers
import os
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torchaudio.functional as AF

from ssm_ts.api.forecaster import check_counts
from ssm_ts.api.resumable import ResumableFit, user_checkpoint_folders
from ssm_ts.api.trainer_objects import check_trainer_options, fit_trainer_options, json_trainer_options
from ssm_ts.api.validation_metrics import best_weights_validation
from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError, SSMTSError
from ssm_ts.export import export_folder
from ssm_ts.mapping_settings import require_mapping
from ssm_ts.pipelines.audio import AUDIO_EXTENSIONS, AudioDataModule, read_audio
from ssm_ts.pipelines.audio.odd_rates import (
    SLOW_FILTER,
    TOO_LARGE_FILTER,
    filter_values,
    resample_once,
    too_large_prompt_rate,
)
from ssm_ts.pipelines.audio.reader import BadAudioFileError, audio_header
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.tasks.optimizer_settings import check_weight_decay
from ssm_ts.tasks.waveform import (
    WaveformTask,
    check_generation,
    clip_files,
    load_waveform_model,
    save_waveform_export,
    write_clips,
)
from ssm_ts.tasks.waveform_export import saved_extras
from ssm_ts.tasks.waveform_generation import PYTHON_OPTIONS, OptionSpelling
from ssm_ts.tasks.waveform_spawned_stop import spawned_stop_callbacks
from ssm_ts.tracking.experiment_env import AUDIO_EXPERIMENT
from ssm_ts.tracking.resume_settings import builtin_value
from ssm_ts.training import check_learning_rate

_NOT_FITTED = (
    "this WaveformGenerator is not fitted yet: call .fit(folder) or WaveformGenerator.load(folder) first."
)


def check_prompt(prompt: torch.Tensor, spelling: OptionSpelling = PYTHON_OPTIONS) -> None:
    """A prompt ``(n, samples)`` must be finite audio in [-1, 1] (a NaN has no mu-law code)."""
    if prompt.shape[-1] == 0:
        leave_out = "leave --prompt out" if spelling.flags else "pass prompt=None"
        raise DataError(f"the prompt holds no samples; give at least one or {leave_out}.")
    bad = ~torch.isfinite(prompt)
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise DataError(
            f"the prompt holds {int(bad.sum())} NaN or inf value(s) (first at index {first}); "
            "give finite audio in [-1, 1]."
        )
    peak = float(prompt.abs().max())
    if peak > 1.0:
        raise DataError(
            f"the prompt's peak amplitude is {peak:.4g}; audio must lie in [-1, 1]: divide it by its "
            "peak (or clip it) first."
        )


def prompt_audio(
    prompt: torch.Tensor | np.ndarray | str | os.PathLike,
    n: int,
    sample_rate: int,
    prompt_rate: int | None = None,
    n_samples: int | None = None,
    prompt_seconds: float | None = None,
    spelling: OptionSpelling = PYTHON_OPTIONS,
) -> torch.Tensor:
    """A prompt as checked float audio ``(n, P)`` at ``sample_rate``: a file (mixed to mono,
    resampled) or an array ``(n, P)`` / ``(P,)`` at ``prompt_rate`` (default ``sample_rate``).
    ``prompt_seconds`` keeps its first seconds only (SaShiMi's ``l_prefix``: a long take as the
    prompt without cutting the file). With ``n_samples`` (the clips' length), a prompt as long as
    the clips is an error: the clips start with the prompt, so nothing would be generated. Errors
    name the options as ``spelling`` writes them (``ssm-ts audio generate``: ``--prompt_seconds``)."""
    keep = _prompt_samples(prompt_seconds, sample_rate, spelling)
    name = spelling.name
    if isinstance(prompt, (str, os.PathLike)):
        if prompt_rate is not None:
            raise ConfigError("prompt_rate is for prompt arrays; a prompt file's own rate is read from it")
        path = Path(prompt).expanduser()
        if path.is_dir():
            raise DataError(
                f"{name('prompt')} {path} is a folder; give one audio file (WAV, FLAC, OGG) as the prompt"
            )
        if not path.is_file():
            raise DataFileNotFoundError(
                f"{name('prompt')} file {path} not found; give an audio file (WAV, FLAC, OGG)"
            )
        try:
            read_at = audio_header(path).sample_rate  # said where its length is: it was resampled
            _warn_if_slow_to_resample(path, read_at, sample_rate, name("prompt"))
            audio = read_audio(path, sample_rate, whose="the model's").waveform
        except BadAudioFileError as err:
            fix = "" if err.states_fix else "; give a WAV, FLAC or OGG file"
            raise DataError(f"{name('prompt')} file {path} {err.problem}{fix}") from err
    else:
        array = _prompt_array(prompt)
        # PCM as soundfile reads it with dtype="int16" (or int32, uint8): its full scale is 2**15, not 1
        if array.dtype.kind in "iu" and array.dtype.itemsize <= 4:
            full_scale = 2 ** (np.iinfo(array.dtype).bits - 1)
            raise DataError(
                f"the prompt holds {array.dtype} samples: scale integer PCM to [-1, 1] with prompt / "
                f"{full_scale}{' - 1' if array.dtype.kind == 'u' else ''}, or pass the file's path as prompt="
            )
        audio = torch.as_tensor(array, dtype=torch.float32)
        read_at = sample_rate if prompt_rate is None else prompt_rate
        if audio.dim() == 2 and audio.shape[0] != n and audio.shape[1] <= 8 < audio.shape[0]:
            raise ConfigError(
                f"the prompt has shape {tuple(audio.shape)}, (samples, channels) as soundfile reads it: "
                "mix it to mono with prompt.mean(axis=1) (and give its rate as prompt_rate=), or pass "
                "the file's path as prompt="
            )
        if prompt_rate is not None and (not isinstance(prompt_rate, numbers.Integral) or prompt_rate < 1):
            raise ConfigError(f"prompt_rate must be a whole number of Hz >= 1, got {prompt_rate!r}")
        if prompt_rate is not None and prompt_rate != sample_rate:
            check_prompt(audio)  # resampling spreads a NaN over the whole prompt: name it first
            too_large = too_large_prompt_rate(int(prompt_rate), sample_rate)
            if too_large is not None:  # torchaudio took minutes and gigabytes, or the process was killed
                raise ConfigError(too_large)
            # its ringing overshoots full scale at sharp edges: clamped, as read_audio does a file's
            audio = AF.resample(audio, int(prompt_rate), sample_rate).clamp(-1.0, 1.0)
    if audio.dim() == 1:
        audio = audio.expand(n, -1)
    if audio.dim() != 2 or audio.shape[0] != n:
        raise ConfigError(f"prompt must be (n={n}, samples) or (samples,) audio, got {tuple(audio.shape)}")
    if keep is not None:
        if keep > audio.shape[1]:
            raise ConfigError(
                f"{spelling.given('prompt_seconds', prompt_seconds)} asks for more than the prompt"
                f"{_named(prompt)} holds: {_duration(audio.shape[1], sample_rate, read_at)}. Give "
                f"{name('prompt_seconds')} up to {audio.shape[1] / sample_rate:g}, or leave it out to use the "
                "whole prompt."
            )
        audio = audio[:, :keep]
    check_prompt(audio, spelling)
    if n_samples is not None and audio.shape[1] >= n_samples:
        # a start of the prompt that leaves half the clip to generate, as a value that works when pasted
        half = spelling.given("prompt_seconds", float(f"{n_samples / sample_rate / 2:.3g}"))
        raise ConfigError(
            f"the prompt is {_duration(audio.shape[1], sample_rate, read_at)} and the clips {n_samples / sample_rate:.3g} "
            f"s: each clip starts with the prompt{_named(prompt)}, so nothing would be generated. "
            f"Ask for more {name('seconds')} than the prompt lasts ({name('seconds')} counts the prompt), or "
            f"use its start alone, e.g. {half}."
        )
    return audio


def _prompt_samples(prompt_seconds: Any, sample_rate: int, spelling: OptionSpelling) -> int | None:
    """``prompt_seconds`` as a count of samples at ``sample_rate`` (``None``: the whole prompt), checked
    before the prompt is read."""
    if prompt_seconds is None:
        return None
    if (
        not isinstance(prompt_seconds, numbers.Real)
        or isinstance(prompt_seconds, bool)
        or not math.isfinite(prompt_seconds)
        or prompt_seconds <= 0
    ):
        raise ConfigError(
            f"{spelling.name('prompt_seconds')} must be a finite number > 0"
            f"{'' if spelling.flags else ' (or None)'}, got {prompt_seconds!r}"
        )
    keep = int(round(float(prompt_seconds) * sample_rate))
    if keep < 1:
        raise ConfigError(
            f"{spelling.given('prompt_seconds', prompt_seconds)} is under one sample at {sample_rate} Hz; use "
            f"at least {1 / sample_rate:.3g}"
        )
    return keep


def _warn_if_slow_to_resample(path: Path, rate: int, sample_rate: int, option: str) -> None:
    """Warn that prompt file ``path`` at ``rate`` Hz takes a resampling filter of over
    :data:`~ssm_ts.pipelines.audio.odd_rates.SLOW_FILTER` values to read at the model's ``sample_rate``
    (7999 Hz to 16 kHz: 128 million, about 8 s and 2.5 GB each time it is read), with the fix; a fit's
    files are warned of likewise (:func:`~ssm_ts.pipelines.audio.odd_rates.warn_of_slow_rates`). One past
    :data:`~ssm_ts.pipelines.audio.odd_rates.TOO_LARGE_FILTER` is refused by the read instead."""
    values = filter_values(rate, sample_rate)
    if not SLOW_FILTER < values <= TOO_LARGE_FILTER:
        return
    fix = resample_once("it", path, sample_rate, "the model's")
    warnings.warn(
        f"{option} file {path} is at {rate} Hz, a rate that shares almost no factor with the model's "
        f"{sample_rate} Hz: torchaudio builds a resampling filter of {values * 4 / 2**20:,.0f} MB to read it, "
        f"seconds each time it is given. {fix}",
        stacklevel=4,  # the user's generate call: prompt_audio, then generate
    )


def _prompt_array(prompt: Any) -> np.ndarray:
    """``prompt`` (an array, a tensor, a list) as a NumPy array of real numbers, or a DataError naming what
    it holds instead: torch's "can't convert np.ndarray of type numpy.str_" for text, NumPy's
    "inhomogeneous shape" for rows of different lengths, and a complex prompt read as its real part with
    no more than torch's warning."""
    if isinstance(prompt, torch.Tensor):  # np.asarray refuses a tensor of a graph or on a GPU
        prompt = prompt.detach().cpu()
    try:
        array = np.asarray(prompt)
    except ValueError as err:  # rows of different lengths
        raise DataError(
            "the prompt's rows differ in length (NumPy cannot make an array of them): give its clips as rows "
            "of one length, (n, samples), or one clip, (samples,)"
        ) from err
    if array.dtype.kind in "fiu":
        return array
    if array.dtype.kind == "c":
        held = f"{array.dtype} (complex) values: give the real waveform (prompt.real, when its imaginary part is 0)"
    elif array.dtype.kind == "b":
        held = "bool values: give the waveform's samples, floats in [-1, 1]"
    else:  # text, objects (None in a list, a ragged list of arrays), dates
        held = f"{array.dtype} values, not numbers: give the waveform's samples, floats in [-1, 1]"
    raise DataError(f"the prompt holds {held}, or pass an audio file's path as prompt=")


def _named(prompt: Any) -> str:
    """`` <path>`` for a prompt file, ``""`` for an array: error messages name the file."""
    return f" {prompt}" if isinstance(prompt, (str, os.PathLike)) else ""


def _duration(samples: int, sample_rate: int, read_at: int) -> str:
    """How long a prompt of ``samples`` at the model's ``sample_rate`` is, and at which rate it was given
    (``read_at``): a 22,050 Hz file read "16000 samples at 16000 Hz", which is neither its rate nor its
    length in samples."""
    if read_at == sample_rate:
        return f"{samples / sample_rate:.3g} s ({samples} samples at {sample_rate} Hz)"
    return f"{samples / sample_rate:.3g} s ({samples} samples at the model's {sample_rate} Hz, resampled from {read_at} Hz)"


# WaveformTask arguments set elsewhere than model_options: where each is given instead
_SET_ELSEWHERE = {
    "preset": "WaveformGenerator",
    **dict.fromkeys(("sample_rate", "quantization", "bits"), "fit"),
    **dict.fromkeys(("lr", "weight_decay", "sample_every_n_epochs"), "WaveformGenerator"),
}


def check_model_options(model_options: Any) -> None:
    """``model_options`` must be a dict of :class:`~ssm_ts.tasks.waveform.WaveformTask` settings
    (SaShiMi's sizes, ``lr_schedule``, ...) but those given elsewhere: a typo or ``sample_rate`` here
    was Python's "unexpected keyword argument" (or "multiple values") once fit had read the folder."""
    require_mapping(model_options, "model_options")
    if model_options is None:
        return
    valid = _model_option_names()
    unknown = sorted(set(model_options) - set(valid))
    if not unknown:
        return
    elsewhere = [name for name in unknown if name in _SET_ELSEWHERE]
    where = "; ".join(
        f"{name} is an argument of {_SET_ELSEWHERE[name]}()"
        if i == 0
        else f"{name} of {_SET_ELSEWHERE[name]}()"
        for i, name in enumerate(elsewhere)
    )
    raise ConfigError(
        f"WaveformGenerator does not take model option(s) {unknown}; valid: {', '.join(valid)}"
        + (f". {where}" if where else "")
    )


# the settings WaveformGenerator.save keeps with the model: those that make a fit of the loaded
# generator train the model saved (not where it logged or wrote, which belong to the fit's machine)
SAVED_SETTINGS = ("preset", "model_options", "max_epochs", "batch_size", "lr", "weight_decay", "max_time",
                  "sample_every_n_epochs", "seed")  # fmt: skip


def settings_of_waveform_task(task: WaveformTask) -> dict[str, Any]:
    """``WaveformGenerator`` settings read back from a task's hyperparameters (a CLI fit's model, or one
    saved before :data:`SAVED_SETTINGS` were): its preset, ``lr``, ``weight_decay``,
    ``sample_every_n_epochs``, and as ``model_options`` the options that differ from their defaults."""
    hparams = task.hparams
    defaults = {name: p.default for name, p in inspect.signature(WaveformTask).parameters.items()}
    options = {k: v for k, v in hparams.items() if k in _model_option_names() and v != defaults[k]}
    settings = {
        k: hparams[k] for k in ("preset", "lr", "weight_decay", "sample_every_n_epochs") if k in hparams
    }
    return {**settings, "model_options": options or None}


def _model_option_names() -> list[str]:
    """The :class:`WaveformTask` arguments ``model_options`` takes: all but those set elsewhere."""
    return [name for name in inspect.signature(WaveformTask).parameters if name not in _SET_ELSEWHERE]


def _with_resume_hint(err: SSMTSError, own_dir: Path, out_dir: Path) -> SSMTSError:
    """``err`` with how to continue when the stopped fit left a ``last.ckpt`` (same type when it
    can be rebuilt from a message, else a DataError)."""
    last = next(iter(Path(own_dir).rglob("last.ckpt")), None)
    if last is None:
        return err
    message = (
        f"{err}. Training stopped; its last checkpoint is kept ({last}): fix this, then call fit(..., "
        f"resume=True) on a WaveformGenerator with out_dir={str(out_dir)!r} to continue in the same run"
    )
    try:
        return type(err)(message)
    except TypeError:
        return DataError(message)


class WaveformGenerator(ResumableFit):
    """Train SaShiMi on a folder of audio and sample new clips.

    Args:
        preset: ``"sc09"`` (published sizes), ``"small"`` or ``"tiny"``.
        model_options: SaShiMi overrides (``d_model``, ``n_layers``, ``pool``, ``ssm``, ``d_state``, ...).
        max_epochs, batch_size, lr, weight_decay, max_time: training settings (``max_time`` "DD:HH:MM:SS").
        sample_every_n_epochs: log generated clips to MLflow every N epochs (0 = off).
        seed: random seed for weights and batch order.
        experiment, tracking_uri, run_name, log_to_mlflow: MLflow settings; register_as also registers
            the logged model under that name in the model registry. ``experiment`` left out:
            ``$MLFLOW_EXPERIMENT_NAME`` or ``$MLFLOW_EXPERIMENT_ID`` if set, else ``ssm-ts-audio``.
        out_dir: checkpoints and exports (default: a new folder per fit,
            ``outputs/waveform/<time>-<pid>-<n>``). Each fit writes into its own folder there,
            ``<experiment id>/<run id>/`` (``fits/<time>-<pid>-<n>/`` without MLflow; a resumed fit into
            the folder of the checkpoint it continues), and logs from it; then its export is copied to
            ``out_dir/export`` (with fits at the same time, the one that finished last). Set it to
            resume an interrupted fit from another process (``fit(..., resume=True)``).
        trainer_options: further ``lightning.Trainer`` arguments (e.g. ``{"limit_train_batches": 10}``).
            Its ``callbacks`` are copied for every fit, and may be given in LightningCLI's form
            (``{"class_path": ..., "init_args": {...}}``), as :class:`~ssm_ts.Forecaster` takes them;
            the MLflow run records them in that form (:mod:`ssm_ts.api.trainer_objects`). A
            ``ModelCheckpoint`` without ``dirpath`` writes into the fit folder's ``user_checkpoints/``
            (the next ``user_checkpoints-2``, ...), never into ssm-ts's ``checkpoints/``, whose
            ``last.ckpt`` is the one ``fit(..., resume=True)`` continues.
    """

    default_out_folder = "waveform"
    runtime_settings = frozenset({"sample_every_n_epochs"})  # the task's listening samples, never trained on

    def __init__(
        self,
        preset: Literal["sc09", "small", "tiny"] = "sc09",
        model_options: dict[str, Any] | None = None,
        max_epochs: int = 20,
        *,
        batch_size: int = 16,
        lr: float = 4e-3,
        weight_decay: float = 0.0,
        max_time: str | None = None,
        sample_every_n_epochs: int = 0,
        accelerator: str = "auto",
        seed: int = 0,
        experiment: str = AUDIO_EXPERIMENT,  # $MLFLOW_EXPERIMENT_NAME/_ID replace it
        tracking_uri: str | None = None,
        run_name: str | None = None,
        register_as: str | None = None,
        log_to_mlflow: bool = True,
        out_dir: str | None = None,
        trainer_options: dict[str, Any] | None = None,
    ):
        check_counts(max_epochs=max_epochs, batch_size=batch_size, seed=seed)  # as Forecaster's
        check_learning_rate(lr, default_from=type(self))  # as Forecaster: before fit reads any audio
        check_weight_decay(weight_decay)
        check_trainer_options(trainer_options)
        check_model_options(model_options)
        # NumPy numbers and paths as plain values: checkpoints keep them and must load safely
        self.settings = builtin_value({k: v for k, v in locals().items() if k not in ("self", "__class__")})
        self.task_: WaveformTask | None = None
        self.metrics_: dict[str, float] = {}
        self.run_id_: str | None = None
        self.out_dir_: Path | None = None

    def __repr__(self) -> str:
        return (
            f"WaveformGenerator(preset={self.settings['preset']!r}, max_epochs={self.settings['max_epochs']})"
        )

    @property
    def sample_rate(self) -> int:
        return int(self._task().hparams.sample_rate)

    def _task(self) -> WaveformTask:
        if self.task_ is None:
            raise ConfigError(_NOT_FITTED)
        return self.task_

    def fit(
        self,
        folder: str,
        *,
        sample_rate: int | None = None,
        clip_seconds: float = 1.0,
        split: Literal["auto", "lists", "rule", "fractions", "fsdd", "folders"] = "auto",
        test_pattern: str | None = None,
        val_pattern: str | None = None,
        fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
        crop: Literal["fixed", "random"] = "fixed",
        quantization: Literal["mu-law", "linear"] | None = None,
        bits: int | None = None,
        on_bad_file: Literal["raise", "skip"] = "raise",
        max_files_per_split: int | None = None,
        extensions: str | tuple[str, ...] = AUDIO_EXTENSIONS,
        resume: bool = False,
    ) -> WaveformGenerator:
        """Train on the audio under ``folder`` (train split), choose the best epoch on validation
        NLL, then evaluate the test split once. Metrics land in ``metrics_`` (``test_nll_bits``, ...).

        ``sample_rate``, ``quantization`` and ``bits`` are the model's audio settings: by default those of
        the model this generator holds (loaded, or fitted before), so that it trains the same model again;
        else 16000 Hz, 8-bit ``"mu-law"``.

        The files are split into train / validation / test by ``split`` (as
        :class:`~ssm_ts.pipelines.audio.AudioDataModule`): ``"lists"`` (Speech Commands list files),
        ``"rule"`` (file names matching the regexes ``test_pattern`` / ``val_pattern``), ``"fractions"``
        (a seeded random split by ``fractions``), ``"folders"`` (``train/``, ``validation/``, ``test/``
        folders), ``"fsdd"`` or ``"auto"``. ``extensions``: the file
        endings read as audio (any case), WAV, FLAC and OGG by default; other formats libsndfile
        reads work too, e.g. ``extensions=(".mp3",)``.

        ``resume=True`` continues an interrupted fit (killed, crashed) of the same settings and data:
        training restarts from the newest ``last.ckpt`` under ``out_dir`` (or this object's previous
        fit folder) with its optimiser, schedule and epoch, and logs into the same MLflow run.
        Without a checkpoint there it warns and fits from scratch. The folder may have moved (the
        same files: the checkpoint keeps their sha256), and settings that only change how it runs
        may differ (``max_epochs``, ``max_time``, ``sample_every_n_epochs``, ``accelerator``,
        ``trainer_options``, ...: see :data:`ssm_ts.tracking.resume_settings.FREE_FIT_SETTINGS`; in
        the MLflow run a changed one becomes a tag ``resumed.<n>.generator.<setting>``). Other audio,
        or another ``lr``, ``model_options``, ``batch_size``, ``clip_seconds``, ... is a
        :class:`ConfigError` before any training, with or without MLflow.
        """
        import lightning.pytorch as pl

        from ssm_ts.tasks.interruptible_fit import fit_interruptibly
        from ssm_ts.tracking.logger import RecordMLflowRun, check_resumed_run, log_params
        from ssm_ts.tracking.resume_settings import DATA_FILE_SETTINGS, RUNTIME_SETTINGS
        from ssm_ts.tracking.run_status import end_run, run_failed_on_error
        from ssm_ts.training import build_trainer, user_trainer_options
        from ssm_ts.training.fit_lock import hold_whole_fit_lock, release_fit_lock

        s = self.settings
        if s["sample_every_n_epochs"] and not s["log_to_mlflow"]:  # the clips go to the MLflow run alone
            warnings.warn(
                f"sample_every_n_epochs={s['sample_every_n_epochs']} logs generated clips to the MLflow run, "
                "which log_to_mlflow=False turns off: none will be made",
                stacklevel=2,
            )
        sample_rate, quantization, bits = self._audio_settings(sample_rate, quantization, bits)
        # NumPy numbers and paths as plain values: checkpoints keep them and must load safely
        folder, sample_rate, clip_seconds, fractions, bits, max_files_per_split = builtin_value(
            (folder, sample_rate, clip_seconds, fractions, bits, max_files_per_split)
        )
        pl.seed_everything(s["seed"], verbose=False)
        data = AudioDataModule(
            folder,
            sample_rate=sample_rate,
            clip_seconds=clip_seconds,
            crop=crop,
            split=split,
            test_pattern=test_pattern,
            val_pattern=val_pattern,
            fractions=fractions,
            quantization=quantization,
            bits=bits,
            batch_size=s["batch_size"],
            on_bad_file=on_bad_file,
            max_files_per_split=max_files_per_split,
            seed=s["seed"],
            extensions=extensions,
        )
        options = dict(s["model_options"] or {})
        task = WaveformTask(
            preset=s["preset"],
            **options,
            sample_rate=sample_rate,
            quantization=quantization,
            bits=bits,
            lr=s["lr"],
            weight_decay=s["weight_decay"],
            sample_every_n_epochs=s["sample_every_n_epochs"],
        )
        # fresh callbacks for this fit (copies, or built from their descriptions), before any run starts:
        # the same objects in a second fit would carry their state (EarlyStopping's best score) over
        options = fit_trainer_options(s["trainer_options"], "WaveformGenerator")
        out_dir = self._fit_folder(resume)
        ckpt_path, resumed_run = self._resume_point(out_dir) if resume else (None, None)
        if ckpt_path:  # the audio it trained on (perhaps moved) and its training settings, before training
            self._check_resume(ckpt_path, task, data, "audio")
        logger = self._make_logger(run_id=resumed_run)
        if logger is not None:
            params = self._logged_params(task, data)
            if resumed_run:  # MLflow keeps one value per parameter: changed ones are a clear error
                # but free and runtime settings and a moved folder (checked above): resumed.<n>.* tags
                free = {
                    *RUNTIME_SETTINGS,
                    *DATA_FILE_SETTINGS,
                    *(f"generator.{k}" for k in self._free_settings()),
                }
                check_resumed_run(logger, resumed_run, params, free, free_hint=self._listed_free_settings())
            log_params(logger, params)
        # this fit's own folder: a fit at the same time with the same out_dir never touches its files; a
        # resume without MLflow continues in its checkpoint's (Lightning restores the best score there only)
        own_dir = self._own_folder(out_dir, logger, ckpt_path)
        try:
            # held until the model is scored, exported and logged, not only while it trains (FitLock finds
            # it this process's and leaves it): a resume into the folder meanwhile is refused
            locked = hold_whole_fit_lock(own_dir)
        except BaseException as error:
            end_run(logger, "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
            raise
        try:
            user_checkpoint_folders(options.get("callbacks") or [], own_dir)  # checkpoints/ is ssm-ts's alone
            # the run exists: a trainer Lightning refuses (accelerator="gpu" without one) must not leave it RUNNING
            try:
                trainer = build_trainer(
                    max_epochs=s["max_epochs"],
                    out_dir=own_dir,
                    logger=logger,
                    accelerator=s["accelerator"],
                    max_time=s["max_time"],
                    # checkpoints carry the run id, so a resume continues it, and what it checks (data, settings)
                    # spawned_stop_callbacks: ddp_spawn's processes stopped by an error name nothing
                    **user_trainer_options(
                        options,
                        [RecordMLflowRun(settings=self._checked_settings()), *spawned_stop_callbacks(data)],
                    ),
                )
            except BaseException as error:
                end_run(logger, "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
                raise
            try:
                fit_interruptibly(
                    trainer.fit, trainer.loggers, task, datamodule=data, ckpt_path=ckpt_path,
                    resume_hint=self._continue_hint(out_dir),
                )  # fmt: skip
            except SSMTSError as err:  # audio is read as it trains: a bad file can stop a fit at any epoch
                raise _with_resume_hint(err, own_dir, out_dir) from err
            best = trainer.checkpoint_callback.best_model_path
            # Lightning has already marked the run FINISHED: a failure from here on must not leave it so
            with run_failed_on_error(logger, best, self._resume_hint(out_dir)):
                self._after_training(trainer, task, data, out_dir, best, logger)
        finally:
            if locked is not None:
                release_fit_lock(locked)
        return self

    def _audio_settings(self, sample_rate: Any, quantization: Any, bits: Any) -> tuple[Any, Any, Any]:
        """fit's audio settings, those not given from the model held (a loaded 8 kHz model's fit trained
        a 16 kHz one), else the defaults."""
        held = dict(self.task_.hparams) if self.task_ is not None else {}
        given = {"sample_rate": sample_rate, "quantization": quantization, "bits": bits}
        defaults = {"sample_rate": 16000, "quantization": "mu-law", "bits": 8}
        return tuple(v if v is not None else held.get(k, defaults[k]) for k, v in given.items())

    def _after_training(self, trainer, task: WaveformTask, data: AudioDataModule, out_dir: Path,
                        best: str, logger) -> None:  # fmt: skip
        """Restore the best weights, evaluate them on the test split, log the run's results."""
        if best:
            task = load_waveform_model(best)
        self.task_ = task
        # the validation score of the weights returned (trainer.test clears the fit's callback_metrics,
        # and the last epoch's describe other weights than the restored best ones), then the test score
        self.metrics_ = best_weights_validation(task, data, self.settings, "WaveformGenerator", out_dir)
        results = trainer.test(task, datamodule=data, verbose=False)
        self.metrics_.update({k: float(v) for k, v in (results[0] if results else {}).items()})
        # strategy="ddp" runs the script once a process: rank 0 logs (the others' loggers have no run)
        if logger is not None and trainer.is_global_zero:
            self._log_fit(logger, task, data, out_dir, best)

    def _log_fit(self, logger, task: WaveformTask, data: AudioDataModule, out_dir: Path, best: str) -> None:
        """The resolved config, the best checkpoint and the pyfunc model, as a forecaster's run has."""
        from ssm_ts.tracking.logger import log_artifact, log_dict_artifact
        from ssm_ts.tracking.run_folder import log_model_and_publish

        config = {"generator": self._json_settings(), "model": dict(task.hparams), "data": dict(data.hparams),
                  "metrics": self.metrics_}  # fmt: skip
        log_dict_artifact(logger, config, "config.json")
        if best:
            log_artifact(logger, best, "checkpoints")
        example, signature = task.mlflow_example_and_signature(data)
        # the export keeps the settings and scores save() does: load(out_dir) gives back metrics_ too
        extras = self._saved_extras()
        log_model_and_publish(logger, out_dir, lambda export_dir: task.mlflow_pyfunc(data, export_dir, extras),
                              register_as=self.settings["register_as"], input_example=example,
                              signature=signature)  # fmt: skip
        self.run_id_ = logger.run_id

    def _logged_params(self, task: WaveformTask, data: AudioDataModule) -> dict[str, dict[str, Any]]:
        """The run's params, each setting once: ``generator.*`` (the settings as given), then the data
        module's (``data.root``, ``data.sample_rate``, ...) and the task's (options a preset filled in)
        that no group before holds. Runs before this one logged ``model.lr`` beside ``generator.lr``."""
        generator = self._json_settings()
        given = set(generator) | set(generator["model_options"] or {})
        data_params = {k: v for k, v in data.hparams.items() if k not in given}
        model = {k: v for k, v in task.hparams.items() if k not in given and k not in data_params}
        return {"generator": generator, "data": data_params, "model": model}

    def _json_settings(self) -> dict[str, Any]:
        """The settings a run logs (``generator.*`` params, config.json): all but the tracking URI, objects
        in ``trainer_options`` described (callbacks as ``class_path``/``init_args``, the same text in
        every process, so a resume with the same callbacks changes no setting)."""
        settings = {k: v for k, v in self.settings.items() if k != "tracking_uri"}
        settings["trainer_options"] = json_trainer_options(settings["trainer_options"])
        return settings

    def generate(
        self,
        n: int,
        seconds: float,
        temperature: float = 1.0,
        top_p: float | None = None,
        prompt: torch.Tensor | np.ndarray | str | os.PathLike | None = None,
        seed: int | None = None,
        prompt_rate: int | None = None,
        first_clip: int = 0,
        prompt_seconds: float | None = None,
    ) -> torch.Tensor:
        """Sample ``n`` clips of ``seconds``: float audio (n, samples) in [-1, 1] at :attr:`sample_rate`.

        ``prompt``: audio the model continues (the returned clips start with it, cut to ``seconds``):
        an audio file's path (any channels, mixed to mono; at another rate, resampled to the model's), or
        an array (n, P) or (P,) in [-1, 1] at the model's rate, or at ``prompt_rate`` Hz (resampled); ``prompt_seconds``
        keeps its first seconds only (``prompt="take.wav", prompt_seconds=0.5``). ``temperature``
        scales the logits; ``top_p`` keeps the smallest set of amplitudes whose probability reaches
        it (nucleus sampling). With a ``seed``, clip ``i`` depends on the seed and ``i`` alone (and
        its prompt): ``generate(2, s, seed=7)`` is the first two clips of ``generate(16, s, seed=7)``,
        and ``ssm-ts audio generate --seed 7`` writes the same clips at any ``--batch_size`` (on a GPU,
        equal up to float rounding). ``first_clip`` numbers the clips from there:
        ``generate(2, s, seed=7, first_clip=3)`` is clips 3 and 4 of seed 7 (the CLI's
        ``sample_003.wav`` and ``sample_004.wav``). ``seed=None`` draws from torch's global generator.
        """
        task = self._task()
        n, n_samples = check_generation(n, seconds, self.sample_rate, temperature, top_p, seed)[:2]
        if not isinstance(first_clip, numbers.Integral) or isinstance(first_clip, bool) or first_clip < 0:
            raise ConfigError(f"first_clip must be a whole number >= 0 (a clip index), got {first_clip!r}")
        if prompt is None and prompt_seconds is not None:
            raise ConfigError("prompt_seconds is the length of the prompt to use; give a prompt= too")
        codes_prompt = None
        if prompt is not None:
            audio = prompt_audio(
                prompt, n, self.sample_rate, prompt_rate, n_samples=n_samples, prompt_seconds=prompt_seconds
            )
            codes_prompt = task.quantizer.encode(audio).to(task.device)
        return task.generate_audio(
            n,
            seconds,
            temperature=temperature,
            top_p=top_p,
            prompt=codes_prompt,
            seed=seed,
            first_clip=int(first_clip),
        )

    def write(self, clips: torch.Tensor, out_dir: str) -> list[Path]:
        """Write clips (n, samples) as WAV files ``sample_000.wav``, ... plus ``spectrograms.png`` into
        ``out_dir``; return the paths. The ``sample_NNN.wav`` files of an earlier write there are
        replaced (all of them, with a warning): write each set of clips into a folder of its own to keep it."""
        out = Path(out_dir).expanduser()
        earlier = clip_files(out)
        paths = write_clips(torch.as_tensor(clips), self.sample_rate, out)
        if (
            earlier
        ):  # as ssm-ts audio generate says so: a loop over settings into one folder kept the last alone
            warn_on_rank_zero(
                f"write replaced the {len(earlier)} clip(s) of an earlier write in {out_dir} ({earlier[0].name}, "
                "...) with these; write each set of clips into a folder of its own to keep it (a seeded set "
                "comes back with the same seed and settings)",
                stacklevel=None,
            )
        return paths

    def save(self, directory: str) -> Path:
        """Write a self-describing export (config JSON + safetensors) to ``directory``, with this
        generator's ``metrics_`` and its training settings (:data:`SAVED_SETTINGS`)."""
        return save_waveform_export(self._task(), directory, self._saved_extras())

    def _saved_extras(self) -> dict[str, Any]:
        """What an export keeps beside the model: the training settings (:data:`SAVED_SETTINGS`) and
        ``metrics_``."""
        settings = {k: v for k, v in self._json_settings().items() if k in SAVED_SETTINGS}
        return {"settings": settings, "metrics": self.metrics_}

    @classmethod
    def load(cls, directory: str | os.PathLike) -> WaveformGenerator:
        """Load a generator from :meth:`save`'s folder or a Lightning ``.ckpt``: its model, and the
        settings and ``metrics_`` :meth:`save` kept (else the settings the model's own hold). As
        :meth:`Forecaster.load <ssm_ts.api.forecaster.Forecaster.load>`, also a fit's ``out_dir`` (the
        CLI's ``--out``: the model its ``export/`` holds, the fit that finished last) or a downloaded
        MLflow model (its ``artifacts/export``)."""
        directory = export_folder(directory)  # a fit's out_dir was refused, naming out_dir/export
        task = load_waveform_model(directory)
        extras = saved_extras(directory)
        saved = {k: v for k, v in (extras.get("settings") or {}).items() if k in SAVED_SETTINGS}
        gen = cls(**{**settings_of_waveform_task(task), **saved})
        gen.task_ = task
        gen.metrics_ = dict(extras.get("metrics") or {})
        return gen
