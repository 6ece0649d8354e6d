"""``AudioDataModule``: a folder of audio -> quantised clips for waveform models.

Each item is ``(codes (clip_samples,) long, length ())``: the clip's codes, padded with the code of
silence after ``length`` real samples. Losses and NLL count only the real samples, so padding short
recordings never flatters the likelihood.
"""

from __future__ import annotations

import math
import os
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ssm_ts.datasets import resolve_data_path
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sampling import (
    EpochSeededSampler,
    WithEpoch,
    epoch_seed,
    processes,
    shard,
    skip_resumed_batches,
    training_epoch,
)
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .across_ranks import largest_on_any_rank, on_any_rank
from .clipped_pcm import ClippingTally, clipped_warning, full_scale_level
from .cut_short import warn_of_cut_files
from .evaluation_shards import EMPTY, EvaluationShard
from .folder import AUDIO_EXTENSIONS, find_audio_files, shown_path
from .gone_folder import warn_of_gone_folder
from .levels import Scan, header_and_odd_peak, odd_levels, warn_of_odd_levels
from .mono_mix import warn_of_cancelling_files
from .named_files import FOUND, FOUND_CLIPPED, NamedFiles
from .odd_rates import odd_sample_rate, warn_of_slow_rates
from .quantize import Quantizer
from .reader import (
    SKIP_HINT,
    AudioHeader,
    BadAudioFileError,
    BeforeMix,
    check_resampling,
    decode_mono,
    read_audio,
    read_audio_window,
    resample_mono,
)
from .resampled import RESAMPLED, cache_bytes
from .setting_checks import check_data_numbers
from .split import FileSplit, SplitMethod, split_files
from .split_record import check_resumed_split, split_record, warn_if_split_was_drawn_otherwise
from .stopped_fit_list import CLIPPED_LIST_NAME, SHOWN, more_clipped_warning, write_found_list
from .worker_error import for_the_loader

T = TypeVar("T")


def _common_folder(files: list[Path]) -> Path:
    """The deepest folder that holds every one of ``files``, which a warning names them under."""
    return Path(os.path.commonpath([p.parent for p in files])) if files else Path()


def _keep_readable(
    files: list[Path],
    read: Callable[[Path], T],
    on_bad_file: Literal["raise", "skip"],
    stacklevel: int | None = 3,
) -> tuple[list[T], list[Path]]:
    """``read`` every file; files that raise a DataError raise together (one error naming each, so
    a folder with five bad files is not five runs) or are skipped (one warning names them, at
    ``stacklevel``: the caller's caller by default; ``None``: the user's line)."""
    if on_bad_file not in ("raise", "skip"):
        raise ConfigError(f"on_bad_file must be 'raise' or 'skip', got {on_bad_file!r}")
    results, kept, skipped, errors = [], [], [], []
    folder = _common_folder(files)
    for path in files:
        try:
            results.append(read(path))
            kept.append(path)
        except DataError as err:
            errors.append(err)
            skipped.append(f"{shown_path(path, folder)} ({getattr(err, 'problem', err)})")
    if errors and on_bad_file == "raise":
        if len(errors) == 1:
            raise errors[0]
        named = [f"{e.path} {e.problem}" if isinstance(e, BadAudioFileError) else str(e) for e in errors]
        raise DataError(
            f"{len(errors)} of {len(files)} audio files cannot be used:\n  "
            + "\n  ".join(named[:20])
            + (f"\n  ... and {len(named) - 20} more" if len(named) > 20 else "")
            + f"\n{SKIP_HINT.replace('remove it', 'remove them')}"
        ) from errors[0]
    if skipped:
        warn_on_rank_zero(
            f"skipped {len(skipped)} unreadable audio file(s) of {len(files)}: {', '.join(skipped[:10])}"
            + (" ..." if len(skipped) > 10 else ""),
            stacklevel=stacklevel,
        )
    return results, kept


def _spread(files: list[Path], limit: int | None) -> list[Path]:
    """At most ``limit`` of ``files``, spread evenly over them: the first ``limit`` of a sorted
    folder are one word's alone in the Speech Commands layout (``<word>/<speaker>.wav``), one digit's
    in FSDD's (``<digit>_<speaker>_<index>.wav``)."""
    if limit is None or len(files) <= limit:
        return files
    return [files[i * len(files) // limit] for i in range(limit)]


def load_clips(
    files: list[Path], sample_rate: int, on_bad_file: Literal["raise", "skip"] = "raise"
) -> tuple[list[torch.Tensor], list[Path]]:
    """Decode every file (mono, at ``sample_rate``); bad files raise or are skipped with one warning.

    Returns ``(waveforms, kept_files)``.
    """
    return _keep_readable(files, lambda path: read_audio(path, sample_rate).waveform, on_bad_file)


def normalise_extensions(extensions: str | Sequence[str]) -> tuple[str, ...]:
    """``".mp3"``, ``"mp3"``, ``["WAV", ".flac"]`` -> lower-case suffixes with their dot:
    ``(".mp3",)``, ``(".wav", ".flac")`` (a bare string was split into its letters)."""
    if isinstance(extensions, (str, os.PathLike)):
        extensions = [os.fspath(extensions)]
    cleaned = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in map(str, extensions) if e)
    if not cleaned:
        raise ConfigError(f"extensions must name at least one file ending such as '.wav', got {extensions!r}")
    return cleaned


class AudioFiles(Sequence):
    """Audio files decoded on access, not held in memory: ``files[i]`` has ``frames[i]`` samples at
    ``rates[i]`` Hz (from its header); item ``i`` is its waveform at ``sample_rate``, as
    :func:`read_audio` decodes it. A file at ``sample_rate`` decodes only the window asked for; one at
    another rate is resampled whole once per process and kept for its next clips (:mod:`.resampled`).
    ``levels_checked``: the files were checked for silence and clipping where they were indexed
    (:mod:`.levels`), so decoding them (in loader workers too) warns of neither again. ``named_files``:
    the data module's record of the files named (:mod:`.named_files`), so that a file clipped at full
    scale is named once by every process of its trainer calls (``ddp_spawn``'s each set it up anew)."""

    def __init__(
        self,
        files: list[Path],
        frames: list[int],
        rates: list[int],
        sample_rate: int,
        headers: list[AudioHeader] | None = None,
        levels_checked: bool = False,
        named_files: NamedFiles | None = None,
    ):
        self.files, self.frames, self.rates, self.sample_rate = files, frames, rates, sample_rate
        self.headers = headers  # channels and format of each file, for the source summary
        self.levels_checked = levels_checked
        if any(rate != sample_rate for rate in rates):
            cache_bytes()  # a bad SSM_TS_AUDIO_CACHE_MB is said here, not by the first loader worker to resample
        # integer PCM clipped at full scale, which the setup's level scan cannot see (:mod:`.clipped_pcm`):
        # checked in the samples decoded, at the file's own rate (resampling smooths the flattened tops)
        levels = None if headers is None else [full_scale_level(h.format) for h in headers]
        self.clipping = None if levels is None else ClippingTally(files, levels, named_files)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        check = not self.levels_checked
        return read_audio(self.files[index], self.sample_rate, check_levels=check).waveform

    def numel(self, index: int) -> int:
        """Samples of file ``index`` at ``sample_rate`` (``torchaudio.functional.resample``'s length)."""
        rate, frames = self.rates[index], self.frames[index]
        if rate == self.sample_rate:
            return frames
        gcd = math.gcd(rate, self.sample_rate)
        return int(torch.ceil(torch.as_tensor(self.sample_rate // gcd * frames / (rate // gcd))))

    def window(self, index: int, start: int, n: int) -> torch.Tensor:
        """Samples ``start:start + n`` of item ``index`` (fewer at its end)."""
        if self.rates[index] == self.sample_rate:
            return read_audio_window(
                self.files[index],
                start,
                start + n,
                check_levels=not self.levels_checked,
                before_mix=self._clipping_check(index),
            )
        # resampling needs the whole file (filter edges): resampled once per process, kept for its next clips
        whole = RESAMPLED.get(self.files[index], self.sample_rate, lambda: self._resampled(index))
        return whole[start : start + n]

    def _resampled(self, index: int) -> torch.Tensor:
        """Item ``index`` as :func:`read_audio` decodes it, checked for clipping at its own rate."""
        check_resampling(self.files[index], self.rates[index], self.sample_rate)  # refused at setup too
        check = self._clipping_check(index)
        wave, rate = decode_mono(self.files[index], check_levels=not self.levels_checked, before_mix=check)
        return resample_mono(wave, rate, self.sample_rate)

    def _clipping_check(self, index: int) -> BeforeMix | None:
        """Counts the full-scale runs of file ``index`` in each channel of the samples decoded, at its own
        rate, before the mono mix halves a top flattened in one channel alone (:mod:`.clipped_pcm`);
        ``None`` where the file is not checked (float and lossy files)."""
        if self.clipping is None or self.clipping.levels[index] is None:
            return None
        return partial(self.clipping.add, index, rate=self.rates[index])


def _header_at(path: Path, sample_rate: int | None) -> Scan:
    """:func:`header_and_odd_peak` of ``path``, which raises for a file that cannot be resampled to
    ``sample_rate`` (:func:`check_resampling`), as it does for an unreadable one; a ConfigError when
    ``sample_rate`` is the odd rate (:func:`.odd_rates.odd_sample_rate`)."""
    scan = header_and_odd_peak(path)
    if sample_rate is not None:
        odd = odd_sample_rate(path, scan.header.sample_rate, sample_rate)
        if odd is not None:  # the fit's setting, not the file: neither skipped nor fixed by resampling it
            raise ConfigError(odd)
        check_resampling(path, scan.header.sample_rate, sample_rate)
    return scan


def _checked_headers(
    files: list[Path],
    on_bad_file: Literal["raise", "skip"],
    folder: Path | None = None,
    stacklevel: int | None = 2,
    sample_rate: int | None = None,
) -> tuple[list[AudioHeader], list[Path]]:
    """``(headers, kept_files)`` of the readable ``files`` (the others, and those that cannot be
    resampled to ``sample_rate``, raise or are skipped as in :func:`load_clips`), with one warning
    naming the silent files and one the clipped (paths under ``folder``, their common folder by
    default; :mod:`.levels`), one the files whose channels cancel in the mono mix (:mod:`.mono_mix`)
    and one the WAVs cut short (:mod:`.cut_short`). Warnings show at ``stacklevel`` as
    :func:`warnings.warn`'s, counted from here: 2 is the caller's line; ``None`` the user's."""
    outer = None if stacklevel is None else stacklevel + 1
    read, kept = _keep_readable(
        files, partial(_header_at, sample_rate=sample_rate), on_bad_file, stacklevel=outer
    )
    folder = _common_folder(kept) if folder is None else folder
    warn_of_odd_levels(odd_levels(kept, [scan.peak for scan in read]), folder, stacklevel=stacklevel)
    cancelling = [path for path, scan in zip(kept, read, strict=True) if scan.cancels_in_mono]
    warn_of_cancelling_files(cancelling, folder, stacklevel=stacklevel)
    headers = [scan.header for scan in read]
    warn_of_cut_files(kept, headers, folder, stacklevel=stacklevel)
    return headers, kept


def index_audio(
    files: list[Path], sample_rate: int, on_bad_file: Literal["raise", "skip"] = "raise"
) -> tuple[AudioFiles, list[Path]]:
    """Headers, and a first look at the samples for silent and clipped files (one warning each, so
    that loader workers decoding the files warn of neither): unreadable and empty files raise or are
    skipped as in :func:`load_clips`, and so are float files holding NaN or inf (read whole for their
    peak). Returns ``(audio, kept_files)``."""
    headers, kept = _checked_headers(files, on_bad_file, stacklevel=3, sample_rate=sample_rate)
    frames, rates = [h.frames for h in headers], [h.sample_rate for h in headers]
    return AudioFiles(kept, frames, rates, sample_rate, headers, levels_checked=True), kept


class ClipDataset(Dataset):
    """Fixed-length quantised clips from waveforms (tensors, or :class:`AudioFiles` decoded on access).

    ``crop="fixed"``: the start of each file, padded or trimmed to ``clip_samples``;
    ``crop="whole"``: every sample of each file, in consecutive clips of ``clip_samples`` (the last one
    padded), so that a likelihood over the items counts every sample of the files (validation and test;
    each clip is scored from its own start, as training clips are: no state carries across clips);
    ``crop="random"``: a random window of files longer than the clip. Item ``(index, epoch)`` (the
    training loader's :class:`~ssm_ts.pipelines.sampling.WithEpoch` indices) takes the window of
    ``(seed, epoch, index)`` alone, so a resumed fit trains on the windows an uninterrupted fit has, in
    loader workers too; a plain ``index`` draws a fresh window from torch's global generator.
    ``on_bad_file="skip"``: a file that fails only when decoded (damaged frames, or NaN samples saved
    after :func:`index_audio` looked: the index cannot see those) gives an all-padding item of
    length 0, which every loss masks out, and one warning naming it (however many loader workers
    decode it). ``crop="fixed"`` and ``"random"``: the file's item stays so from then on.
    ``crop="whole"``: each clip is judged alone, so that every epoch scores the same clips: a clip that
    fails stays empty in every epoch, and the clips of the file that decode are scored in every epoch (a
    file that breaks partway was scored on its early clips in the epoch that found it, on none after);
    all of a file resampled to ``sample_rate`` fails at once, as it is decoded whole.
    ``"raise"`` raises its DataError. ``named_files``: a record shared with the processes of other trainer
    calls (the data module's, :mod:`.named_files`): a file one of them named is not named again.
    """

    def __init__(
        self,
        waves: Sequence[torch.Tensor] | AudioFiles,
        clip_samples: int,
        quantizer: Quantizer,
        crop: Literal["fixed", "random", "whole"] = "fixed",
        on_bad_file: Literal["raise", "skip"] = "raise",
        seed: int = 0,
        named_files: NamedFiles | None = None,
    ):
        if on_bad_file not in ("raise", "skip"):
            raise ConfigError(f"on_bad_file must be 'raise' or 'skip', got {on_bad_file!r}")
        if crop not in ("fixed", "random", "whole"):
            raise ConfigError(f"crop must be 'fixed', 'random' or 'whole', got {crop!r}")
        self.waves, self.clip_samples, self.quantizer, self.crop = waves, clip_samples, quantizer, crop
        self.on_bad_file, self.seed = on_bad_file, seed
        self.silence = quantizer.silence
        # crop="whole": (file, start) of each item; else item i is file i
        self.tiles = self._tiles() if crop == "whole" else None
        # items found bad when decoded, and files named in a warning, in memory shared with the loader
        # workers: the first process to find one warns, and the others leave it out without decoding it
        # or warning again (each worker warned of those it found, and a file was named once per worker)
        self.found_bad = torch.zeros(len(self), dtype=torch.bool).share_memory_()
        # the sample each item's clip found bad starts at (-1: none), for name_found (a random crop's window)
        self.bad_starts = torch.full((len(self),), -1, dtype=torch.long).share_memory_()
        self.named_bad = torch.zeros(len(waves), dtype=torch.bool).share_memory_()
        # set by a task that calls name_found at each epoch's end (every process): no warning as found
        self.name_later = False
        # files named by the processes of an earlier trainer call too (ddp_spawn's: :mod:`.named_files`)
        self.named_files = named_files

    @property
    def skipped(self) -> set[int]:
        """Indices of the files with an item found bad when decoded (``on_bad_file="skip"``), by any process."""
        return self.files_of(self.found_bad)

    def files_of(self, items: torch.Tensor) -> set[int]:
        """Indices of the files of the items set in ``items`` ((len(self),) bool, as :attr:`found_bad`)."""
        found = items.nonzero().flatten().tolist()
        return {self.tiles[i][0] for i in found} if self.tiles is not None else set(found)

    def __len__(self) -> int:
        return len(self.tiles) if self.tiles is not None else len(self.waves)

    def _tiles(self) -> list[tuple[int, int]]:
        """``(file, start)`` of consecutive clips that cover every sample of each file."""
        n = self.clip_samples
        return [(i, k * n) for i in range(len(self.waves)) for k in range(max(1, -(-self._numel(i) // n)))]

    def _numel(self, index: int) -> int:
        return self.waves.numel(index) if isinstance(self.waves, AudioFiles) else self.waves[index].numel()

    def _window(self, index: int, start: int) -> torch.Tensor:
        if isinstance(self.waves, AudioFiles):
            return self.waves.window(index, start, self.clip_samples)
        return self.waves[index][start : start + self.clip_samples]

    def _found_bad(self, item: int, index: int, start: int, err: DataError) -> None:
        """Leave item ``item`` (file ``index`` from sample ``start``) out from now on, and every clip of the
        file when it is decoded whole; name the file in one warning, unless another process did."""
        if self.tiles is not None and self._decoded_whole(index):
            self.found_bad[[i for i, (file, _) in enumerate(self.tiles) if file == index]] = True
        self.found_bad[item] = True
        self.bad_starts[item] = start
        files = getattr(self.waves, "files", None)
        if self.name_later and self.named_files is not None and files:
            # for ddp_spawn's main process, should this one end on an error before it names the file
            # (:meth:`AudioDataModule.name_found_in_started_processes`)
            self.named_files.first_time(files[index], FOUND)
        if self.named_bad[index] or self.name_later:  # named by another worker meanwhile, or by name_found
            return
        self._name(index, start, err)

    def _decoded_whole(self, index: int) -> bool:
        """Whether file ``index`` is decoded whole to be resampled, so that all of it fails at once."""
        return isinstance(self.waves, AudioFiles) and self.waves.rates[index] != self.waves.sample_rate

    def name_found(self, found: torch.Tensor | None = None, starts: torch.Tensor | None = None) -> None:
        """Name in a warning each file with an item set in ``found`` ((len(self),) bool; default
        :attr:`found_bad`) that no warning named yet, from its first such item (decoded again for its
        error, from the sample in ``starts`` ((len(self),) long, -1: the item's own start; default
        :attr:`bad_starts`): a random crop's window that failed). With :attr:`name_later` the task calls it
        at each epoch's end, when the items every loader worker and DDP process found are known: a
        worker's warning named the clip it found, a later one than the file's first to fail when another
        worker had that, and each DDP process named the files of its own share (a file once per process)."""
        for index, start in self.first_found(found, starts).items():
            files = getattr(self.waves, "files", None)
            where = files[index] if files else index
            try:
                self._window(index, start)
                err: DataError = DataError(
                    f"{where} failed to decode in another process (it decodes here now: a passing read "
                    "fault, or the file changed since)"
                )
            except DataError as failed:
                err = failed
            except Exception as failed:  # the warning's text: raised here, on rank 0 alone under DDP, it
                # would leave the other processes waiting in their next collective
                err = DataError(f"{where} cannot be decoded ({type(failed).__name__}: {failed})")
            self._name(index, start, err)

    def first_found(
        self, found: torch.Tensor | None = None, starts: torch.Tensor | None = None
    ) -> dict[int, int]:
        """File index -> the sample its first item set in ``found`` was found bad at (``starts``; as in
        :meth:`name_found`, whose defaults these are), of each file no warning named yet."""
        found = self.found_bad if found is None else found
        starts = self.bad_starts if starts is None else starts
        first: dict[int, int] = {}
        for item in found.nonzero().flatten().tolist():
            index, start = self.tiles[item] if self.tiles is not None else (item, 0)
            if not self.named_bad[index]:
                first.setdefault(index, int(starts[item]) if starts[item] >= 0 else start)
        return first

    def _name(self, index: int, start: int, err: DataError) -> None:
        """One warning naming file ``index`` as found bad at sample ``start`` by ``err``, unless the
        processes of an earlier trainer call named it (:attr:`named_files`)."""
        self.named_bad[index] = True
        files = getattr(self.waves, "files", None)
        if self.named_files is not None and files and not self.named_files.first_time(files[index]):
            return
        what = f"{err.path} {err.problem}" if isinstance(err, BadAudioFileError) else str(err)
        if self.tiles is None:  # one item a file (training's crops): it gives empty clips from now on
            left_out = "an empty clip from then on, in every epoch, weighing nothing: the file is left out"
        elif self._decoded_whole(index):
            left_out = "every clip of it is left out of the score, in every epoch"
        else:
            rate = self.waves.sample_rate if isinstance(self.waves, AudioFiles) else None
            at = f"sample {start}" if rate is None else f"{start / rate:.3f} s"
            left_out = (
                f"its clip from {at} is left out of the score, in every epoch, as is any other clip of it that "
                "fails; the clips of it that decode are scored in every epoch"
            )
        # stacklevel 1: the caller is torch's data loader, which the CLI would print as the source
        warnings.warn(f"skipped audio file {what} (on_bad_file='skip'): {left_out}", stacklevel=1)

    def _random_start(self, index: int, epoch: int | None, n_starts: int) -> int:
        """A window start in ``[0, n_starts)``: of ``(seed, epoch, index)``, or the global generator's."""
        if epoch is None:
            return int(torch.randint(0, n_starts, ()))
        generator = torch.Generator().manual_seed(epoch_seed(self.seed, epoch, index))
        return int(torch.randint(0, n_starts, (), generator=generator))

    def __getitem__(self, item: int | tuple[int, int] | None) -> tuple[torch.Tensor, torch.Tensor]:
        codes = torch.full((self.clip_samples,), self.silence, dtype=torch.long)
        # the empty item a DDP process short of a clip takes (:mod:`.evaluation_shards`): weighs nothing
        if item is EMPTY:
            return codes, torch.tensor(0)
        item, epoch = (int(item[0]), int(item[1])) if isinstance(item, tuple) else (int(item), None)
        index, start = self.tiles[item] if self.tiles is not None else (item, 0)
        if self.found_bad[item]:
            return codes, torch.tensor(0)
        n_samples = self._numel(index)
        if self.crop == "random" and n_samples > self.clip_samples:
            start = self._random_start(index, epoch, n_samples - self.clip_samples + 1)
        try:
            piece = self._window(index, start)
        except DataError as err:
            if self.on_bad_file == "raise":
                raise for_the_loader(err) from err
            self._found_bad(item, index, start, err)
            return codes, torch.tensor(0)
        codes[: piece.numel()] = self.quantizer.encode(piece)
        return codes, torch.tensor(piece.numel())


def _share(fraction: float) -> str:
    """A fraction as a percentage for a message: "under 1%" rather than a "0%" of audio that is there."""
    text = f"{fraction:.0%}"
    return "under 1%" if fraction > 0 and text == "0%" else text


def _split_left_empty(name: str, skipped: list[Path], root: Path) -> str:
    """Why a split has no audio once on_bad_file="skip" left its unreadable files out, and the fix."""
    if not skipped:
        return f"no audio in the {name} split of {root}"
    names = ", ".join(shown_path(f, root) for f in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
    return (
        f"no readable audio left in the {name} split of {root}: its {len(skipped)} file(s) were skipped as "
        f"unreadable ({names}). The split is drawn before bad files are skipped: remove or repair them, "
        "or add recordings"
    )


class AudioDataModule(pl.LightningDataModule):
    """Quantised audio clips from a folder (recursive) of WAV/FLAC/OGG files.

    Args:
        root: the audio folder (required), or a standard set's name (``espeak-digits``, ``fsdd``) in the data home
            (:func:`ssm_ts.datasets.resolve_data_path`).
        sample_rate: every file is resampled to this rate (Hz).
        clip_seconds: clip length; shorter files are padded (and masked), longer ones trimmed or cropped.
        crop: ``"fixed"`` (file start) or ``"random"`` (random windows of long files, training only).
        split: ``"auto"`` | ``"lists"`` | ``"rule"`` | ``"fsdd"`` | ``"folders"`` | ``"fractions"`` (see
            :func:`split_files`).
        test_pattern, val_pattern: file-name regexes for ``split="rule"``.
        fractions: (train, val, test) shares for ``"fractions"`` (train/val shares also for ``"rule"``).
        quantization, bits: ``"mu-law"`` or ``"linear"`` codes of ``bits`` bits.
        batch_size, num_workers: data loader settings.
        on_bad_file: ``"raise"`` (error naming the file) or ``"skip"`` (skipped, counted in a warning).
        max_files_per_split: keep only N files of each split, spread evenly over its sorted files
            (quick runs: the first N of a sorted folder are often one word's or one digit's alone).
        seed: seed of the fraction split, the training order and the random crops: epoch ``e``'s order
            and windows depend on ``(seed, e)`` alone, so a fit resumed from a checkpoint trains on the
            clips an uninterrupted fit has.
    """

    def __init__(
        self,
        root: str | None = None,
        sample_rate: int = 16000,
        clip_seconds: float = 1.0,
        crop: Literal["fixed", "random"] = "fixed",
        split: SplitMethod = "auto",
        test_pattern: str | None = None,
        val_pattern: str | None = None,
        fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
        quantization: Literal["mu-law", "linear"] = "mu-law",
        bits: int = 8,
        batch_size: int = 16,
        num_workers: int = 0,
        on_bad_file: Literal["raise", "skip"] = "raise",
        max_files_per_split: int | None = None,
        seed: int = 0,
        extensions: tuple[str, ...] = AUDIO_EXTENSIONS,
    ):
        super().__init__()
        # root has a default only so that `ssm-ts audio test --ckpt_path` can take it from the checkpoint
        if root is None:
            raise ConfigError(
                "no audio folder: set data.root to a folder of audio files, or to a standard set's name "
                "(espeak-digits, fsdd) read from the data home ($SSM_TS_DATA_HOME)"
            )
        if not isinstance(root, (str, os.PathLike)):
            raise ConfigError(
                f"the audio folder must be a path (str or Path), got {type(root).__name__} {root!r}"
            )
        check_data_numbers(sample_rate, clip_seconds, batch_size, num_workers, max_files_per_split)
        if crop not in ("fixed", "random"):
            raise ConfigError(f"crop must be 'fixed' or 'random', got {crop!r}")
        extensions = normalise_extensions(extensions)
        self.save_hyperparameters()
        # a folder, or a standard set's name (espeak-digits, fsdd) in the data home; hparams keep it as given
        self.root = Path(resolve_data_path(root, "audio", setting="data.root")).expanduser()  # ~/takes
        # plain ints: torch's data loader refuses a NumPy batch_size
        self.sample_rate, self.batch_size, self.num_workers = (
            int(sample_rate),
            int(batch_size),
            int(num_workers),
        )
        self.clip_samples = int(round(clip_seconds * sample_rate))
        self.quantizer = Quantizer(quantization, bits)
        self.crop = crop
        self.files: FileSplit | None = None
        self.skipped: list[Path] = []  # files left out by on_bad_file="skip" at setup
        self.found_files = 0  # audio files in the folder, before max_files_per_split and skipping
        self.datasets: dict[str, ClipDataset] = {}
        self.sources_said = False  # whether the task printed describe_sources() (once per data module)
        self.split_membership: dict | None = None  # which files each split drew, kept in checkpoints
        self._split_checked = False  # whether a resumed fit's split was checked against its checkpoint
        # damaged files named, made before ddp_spawn's processes start so that each receives it shared: the
        # validation after a fit does not name again a file the fit named (:mod:`.named_files`)
        self.named_files = NamedFiles()
        # where a relative root is: a fit that changed the working directory finds it so, not gone (:mod:`.gone_folder`)
        self.started_in = None if self.root.is_absolute() else Path.cwd()

    @property
    def n_classes(self) -> int:
        return self.quantizer.n_classes

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        hp = self.hparams
        files = find_audio_files(self.root, tuple(hp.extensions))
        split = split_files(
            files,
            self.root,
            hp.split,
            test_pattern=hp.test_pattern,
            val_pattern=hp.val_pattern,
            fractions=tuple(hp.fractions),
            seed=hp.seed,
        )
        self.split_membership = split_record(split, self.root)
        self.found_files = len(files)
        limit = hp.max_files_per_split
        split = FileSplit(_spread(split.train, limit), _spread(split.val, limit), _spread(split.test, limit))
        # headers and a first look at the samples (the whole of float files, for their peak): audio is
        # decoded per item, so neither startup time nor memory grows much with it.
        # Every split at once, so that one error (or warning) names every bad file of the folder.
        every = [*split.train, *split.val, *split.test]
        # the warnings show the user's line (their fit; the CLI's prints none). Silent and clipped
        # files: one warning each for the folder, here in the main process, and none from the
        # loader workers (each warned of the files it decoded: N workers, N warnings)
        headers, readable = _checked_headers(
            every, hp.on_bad_file, self.root, stacklevel=None, sample_rate=self.sample_rate
        )
        warn_of_slow_rates(
            readable, [h.sample_rate for h in headers], self.sample_rate, self.root, stacklevel=None
        )
        header_of = dict(zip(readable, headers, strict=True))
        kept = {}
        for name in ("train", "val", "test"):
            kept[name] = [f for f in getattr(split, name) if f in header_of]
            found = [header_of[f] for f in kept[name]]
            frames, rates = [h.frames for h in found], [h.sample_rate for h in found]
            waves = AudioFiles(
                kept[name],
                frames,
                rates,
                self.sample_rate,
                found,
                levels_checked=True,
                named_files=self.named_files,
            )
            skipped = sorted(set(getattr(split, name)) - set(kept[name]))
            self.skipped += skipped
            if not waves:
                raise DataError(_split_left_empty(name, skipped, self.root))
            # validation and test score every sample of each file: their starts alone (the first 0.25 s of
            # 1 s spoken digits, more silence than speech) scored 0.57 bits lower than whole files
            crop = self.crop if name == "train" else "whole"
            self.datasets[name] = ClipDataset(
                waves,
                self.clip_samples,
                self.quantizer,
                crop,
                hp.on_bad_file,
                seed=hp.seed,
                named_files=self.named_files,
            )
        self.files = FileSplit(kept["train"], kept["val"], kept["test"])
        if stage in (None, "fit"):  # test and predict train nothing
            self._warn_if_clips_outlast_the_files(self.datasets["train"].waves)
            if self.crop == "fixed":
                self._warn_if_fixed_crops_leave_audio_out(self.datasets["train"].waves)

    def check_scored(self, name: str, complete: bool = True) -> None:
        """Raise when split ``name`` (``"train"``, ``"val"``, ``"test"``) scored no sample because its files
        were found bad as they were decoded (``on_bad_file="skip"``: damaged frames the setup cannot see),
        which left its score NaN (a split of one damaged FLAC gave ``val_nll_bits`` NaN and no error).
        ``complete``: the epoch read the whole split (not a sanity check's first batches), so any file
        found bad explains it; else only every file of the split found bad does.
        Under DDP every process calls it (its score is NaN on all or none: the metric is synced) and each
        found the bad clips of its own share: they decide on the clips found bad by any, so all raise the
        same error or none does (one raised alone, and the others hung in their next collective).

        Raises:
            DataError: naming the split, the files skipped and the fix.
        """
        dataset = self.datasets.get(name)
        if dataset is None:
            return
        world_size, _ = processes(self)
        found = on_any_rank(dataset.found_bad) if world_size > 1 else dataset.found_bad
        bad = sorted(dataset.files_of(found))
        if not bad or (not complete and not bool(found.all())):
            return
        raise DataError(_split_left_empty(name, [dataset.waves.files[i] for i in bad], self.root))

    def name_damaged_at_epoch_ends(self, stage: str | None = None) -> None:
        """Name the files found bad as decoded (``on_bad_file="skip"``) at the end of each epoch
        (:meth:`name_found_bad`), not as each loader worker and DDP process finds them: for a task that
        calls :meth:`name_found_bad` at every training, validation and test epoch's end, in every process.
        Validation and test files so, each named by its first clip found bad (a worker named the clip it
        found); training files under DDP alone (each process that drew one named it): one process names
        a training file as it finds it, not an epoch (hours) later. Under DDP the files clipped at full
        scale too, from every process's counts (each process named those its own share put over the
        share, :mod:`.clipped_pcm`); one process names them as it finds them. A fit stopped by an error
        names what was found so far (:meth:`on_exception`). ``stage``: the trainer call's (``"predict"``
        has no epoch end to name them at)."""
        world_size, _ = processes(self)
        for name in ("train", "val", "test") if world_size > 1 else ("val", "test"):
            if name in self.datasets and self.hparams.on_bad_file == "skip":  # "raise" finds none to name
                self.datasets[name].name_later = True
        for dataset in self.datasets.values():
            clipping = getattr(dataset.waves, "clipping", None)
            if (
                clipping is not None
            ):  # set or not at each trainer call: a predict after a DDP fit names as found
                clipping.name_later = world_size > 1 and stage != "predict"
                clipping.list_later = stage != "predict"  # past the first few found: listed at its end

    def name_found_bad(self, name: str) -> None:
        """Name the files of split ``name`` found bad that no warning named yet, each from its first clip
        found bad by any loader worker or DDP process (:meth:`ClipDataset.name_found`), on rank 0 alone.
        Under DDP a collective (every process calls it); nothing unless :meth:`name_damaged_at_epoch_ends`.
        Under DDP the files of the split clipped at full scale too (:meth:`.ClippingTally.name_found`)."""
        dataset = self.datasets.get(name)
        if dataset is None:
            return
        world_size, rank = processes(self)
        clipping = getattr(dataset.waves, "clipping", None)
        if clipping is not None and clipping.name_later:
            clipping.name_found(world_size, rank)
        self.list_clipped_past_shown()
        if not dataset.name_later:
            return
        found, starts = dataset.found_bad, dataset.bad_starts
        if world_size > 1:  # the items any process found, each from the sample one found it at
            found, starts = on_any_rank(found), largest_on_any_rank(starts)
            # left out by every process from now on, as the warning says (a process that had not drawn a
            # damaged training file trained on its windows before the damage)
            dataset.found_bad[found] = True
        if rank == 0:
            dataset.name_found(found, starts)
        else:  # named by rank 0: not again by this process if a fit stops (on_exception)
            dataset.named_bad[sorted(dataset.files_of(found))] = True

    def on_exception(self, exception: BaseException) -> None:
        """A fit (or validation, test) stopped by an error or Ctrl-C: name the files this process found
        bad since the last epoch's end (those left to :meth:`name_found_bad`), without a collective, as
        the other processes may be gone (under DDP a file two processes found is named by each).
        Lightning calls it in each process of ``ddp``, in the main process alone under ``ddp_spawn``
        (whose processes' findings are lost with them). The files clipped at full scale so far too.
        A folder gone since (moved or deleted) is said so, in one warning naming the files found damaged
        and where each failed: decoding them again for their errors named each as missing, as if that was
        why it was skipped."""
        if not self.root.is_dir():
            self._name_found_in_a_gone_folder()
        for dataset in self.datasets.values():
            if dataset.name_later:
                dataset.name_found()
            clipping = getattr(dataset.waves, "clipping", None)
            if clipping is not None and clipping.name_later:
                clipping.name_found()
        self.list_clipped_past_shown()

    def list_clipped_past_shown(self) -> None:
        """One process named the first :data:`.stopped_fit_list.SHOWN` files clipped at full scale as it
        found them (:meth:`.ClippingTally._name`) and marked those found after: list every file named
        clipped so far in :data:`.stopped_fit_list.CLIPPED_LIST_NAME` in the fit's folder (the trainer's
        ``default_root_dir``) and say so in one warning, at each epoch's end that found more; a list that
        cannot be written leaves a warning a file, as before."""
        tallies = [d.waves.clipping for d in self.datasets.values() if getattr(d.waves, "clipping", None)]
        more = [found for tally in tallies for found in tally.take_listed()]
        if not more:
            return
        everything = [found for tally in tallies for found in tally.named_over_share()]
        folder = getattr(self.trainer, "default_root_dir", None) if self.trainer is not None else None
        listed = None
        if folder is not None:
            listed = write_found_list(Path(folder), self.root, everything, [], CLIPPED_LIST_NAME)
        if listed is None:
            for path, *counts in more:
                warn_on_rank_zero(clipped_warning(path, *counts), stacklevel=None)
            return
        warn_on_rank_zero(
            more_clipped_warning(len(everything), len(everything) - len(more), self.root, listed, by=""),
            stacklevel=None,
        )

    def _name_found_in_a_gone_folder(self) -> None:
        """:meth:`on_exception` with the folder gone: one warning, naming the files found damaged since the
        last epoch's end (marked named, so that :meth:`ClipDataset.name_found` does not decode them)."""
        found = []
        for dataset in self.datasets.values():
            if not dataset.name_later:
                continue
            for index, start in dataset.first_found().items():
                dataset.named_bad[index] = True
                found.append(
                    f"{shown_path(dataset.waves.files[index], self.root)} from {start / self.sample_rate:.3f} s"
                )
        if found:
            names = ", ".join(found[:10]) + (" ..." if len(found) > 10 else "")
            warn_of_gone_folder(
                self.root,
                f"skipped {len(found)} audio file(s) found damaged as decoded before the fit stopped "
                f"(on_bad_file='skip'), not decoded again to say why: {names}",
                started_in=self.started_in,
            )

    def name_found_in_started_processes(self, list_folder: str | os.PathLike | None = None) -> None:
        """ddp_spawn's main process, whose started processes stopped on an error: name the files they
        found damaged as decoded (``on_bad_file="skip"``) that no warning named yet, in one warning, and
        each file they found clipped at full scale that no warning named, in the words a single process
        names it (:func:`.clipped_pcm.clipped_warning`, from the counts of the process that found it). They
        end without Lightning's exception hooks (:meth:`on_exception`), and what they found since the last
        epoch's end went with them, but for the record they share with this process (:mod:`.named_files`),
        which keeps each file's version, not its name: the folder is listed again to name them. A folder
        gone since (moved or deleted) is said so, in one warning. ``list_folder`` (the fit's folder): with
        more files of a kind than :data:`.stopped_fit_list.SHOWN`, the warnings name the first of them and
        point to a list of every file written there (:mod:`.stopped_fit_list`); without it, they name all."""
        if not self.named_files.count():
            return  # nothing recorded: no need to list the folder (a stat and a lock a file) to find it
        if not self.root.is_dir():
            warn_of_gone_folder(
                self.root,
                "any file the fit's processes found damaged or clipped before it stopped, that no warning "
                "named, cannot be named (they are found by listing it)",
                started_in=self.started_in,
            )
            return
        with warnings.catch_warnings():  # the folder's own warnings were given at its setup
            warnings.simplefilter("ignore")
            files = find_audio_files(self.root, tuple(self.hparams.extensions))
        clipped = []
        for path in files:
            counts = self.named_files.numbers_of(path, FOUND_CLIPPED)
            if counts is not None and self.named_files.first_time(path, "clipped"):
                clipped.append((path, int(counts[0]), int(counts[1]), counts[2]))
        found = [f for f in files if self.named_files.holds(f, FOUND) and self.named_files.first_time(f)]
        listed = None
        if list_folder is not None and max(len(clipped), len(found)) > SHOWN:
            listed = write_found_list(Path(list_folder), self.root, clipped, found)
        for path, *counts in (
            clipped if listed is None else clipped[:SHOWN]
        ):  # one warning a file, as one process
            warn_on_rank_zero(
                clipped_warning(path, *counts), stacklevel=None
            )  # the user's fit, whose error follows
        if listed is not None and len(clipped) > SHOWN:
            warn_on_rank_zero(more_clipped_warning(len(clipped), SHOWN, self.root, listed), stacklevel=None)
        if not found:
            return
        shown = found if listed is None else found[:SHOWN]
        names = ", ".join(shown_path(f, self.root) for f in shown[:10]) + (" ..." if len(shown) > 10 else "")
        if len(found) > len(shown):
            names += f" ... (all {len(found)} listed in {listed})"
        warn_on_rank_zero(
            f"skipped {len(found)} audio file(s) of {self.root} found damaged as decoded by the fit's processes "
            f"before it stopped (on_bad_file='skip'): {names}. Each was left out from its first clip that "
            "failed; ddp_spawn's processes end without saying where: repair or remove them",
            stacklevel=None,  # the user's fit, whose error follows
        )

    def _warn_if_clips_outlast_the_files(self, waves: AudioFiles) -> None:
        """Clips longer than every training file are mostly padding, which trains nothing but costs its time."""
        longest = max(waves.numel(i) for i in range(len(waves)))
        if self.clip_samples <= 2 * longest:
            return
        clip_seconds, longest_seconds = self.clip_samples / self.sample_rate, longest / self.sample_rate
        warn_on_rank_zero(
            f"clip_seconds={clip_seconds:g} is over twice the longest training file ({longest_seconds:.3g} s): "
            f"each clip is padded to {clip_seconds:g} s, at least {1 - longest / self.clip_samples:.0%} of it "
            f"padding, which trains nothing but costs its time. clip_seconds={longest_seconds:.3g} (CLI: "
            "--data.clip_seconds) trains on the same audio",
            stacklevel=None,  # the user's fit (through Lightning's setup call)
        )

    def _warn_if_fixed_crops_leave_audio_out(self, waves: AudioFiles) -> None:
        """Fixed clips of long recordings train on each file's start alone: say how little that is."""
        lengths = [waves.numel(i) for i in range(len(waves))]
        covered = sum(min(n, self.clip_samples) for n in lengths)
        if covered >= 0.5 * sum(lengths):
            return
        clip_seconds = self.clip_samples / self.sample_rate
        warn_on_rank_zero(
            f"crop='fixed' trains on the first {clip_seconds:g} s of each file: {_share(covered / sum(lengths))} of "
            f"the training audio (files up to {max(lengths) / self.sample_rate:.3g} s). crop='random' (CLI: "
            "--data.crop random) trains on random windows of the whole files, a new one each epoch",
            stacklevel=None,  # the user's fit (through Lightning's setup call)
        )

    def teardown(self, stage: str) -> None:
        """Let go of the files resampled in this process (:mod:`.resampled`) once a fit, validation or test
        ends: a Python session kept up to 512 MB of audio after ``fit`` returned (a loader worker's end
        with it)."""
        RESAMPLED.clear()

    def state_dict(self) -> dict[str, Any]:
        """Kept in every checkpoint by Lightning: the split's :func:`.split_record.split_record`."""
        return {"split": self.split_membership} if self.split_membership else {}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """A resumed fit's split must be its checkpoint's (:func:`.split_record.check_resumed_split`);
        a test of the checkpoint on other data draws its own."""
        trainer = self.trainer
        if trainer is not None and trainer.state.fn == "fit":
            if not self.datasets:
                self.setup("fit")
            self._split_checked = True
            check_resumed_split(state_dict.get("split"), self.split_membership, self.root, trainer.ckpt_path)

    def check_resume(self, checkpoint: dict[str, Any], ckpt_path: Any) -> None:
        """Before a fit resuming ``ckpt_path`` (loaded: ``checkpoint``) touches its run: refuse it when its
        split differs from the one the checkpoint records (:meth:`load_state_dict` checks again inside
        Lightning, for a user's own ``Trainer.fit``). A checkpoint without the record is left to the
        first training loader's warning."""
        saved = (checkpoint.get(type(self).__qualname__) or {}).get("split")
        if saved:
            self.setup("fit")
            check_resumed_split(saved, self.split_membership, self.root, ckpt_path)
            self._split_checked = True

    def _loader(
        self, name: str, shuffle: bool, dataset: Dataset | None = None, scored: bool = True
    ) -> DataLoader:
        """``scored``: under DDP each clip once over the processes (validation, test); else Lightning's
        sampler (predict's takes each item once, with no padding item, which would generate a clip)."""
        if not self.datasets:
            self.setup()
        trainer = self.trainer
        if shuffle and not self._split_checked and trainer is not None and trainer.ckpt_path:
            self._split_checked = True  # resumed from a checkpoint that records no split (made before)
            warn_if_split_was_drawn_otherwise(self.root, self.hparams, trainer.ckpt_path)
        dataset = self.datasets[name] if dataset is None else dataset
        sampler: Sampler | None = None
        world_size, rank = processes(self)
        if shuffle:  # epoch e's order and its indices' crops: of (seed, e) alone
            sampler = WithEpoch(EpochSeededSampler(len(self.datasets[name]), seed=self.hparams.seed))
            sampler.set_epoch(training_epoch(self))  # a resumed fit's first epoch, also with workers
            if world_size > 1:  # each process takes every world_size-th clip of the epoch's order
                sampler = shard(sampler, world_size, rank)
            sampler = skip_resumed_batches(sampler, self, self.batch_size)  # resumed mid-epoch: the rest
        # validation and test: each clip scored once (Lightning's sampler repeated some: .evaluation_shards)
        elif world_size > 1 and scored:
            sampler = EvaluationShard(dataset, world_size, rank)
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        """Shuffled clips; epoch ``e``'s order and random crops depend on ``(seed, e)`` alone, so a resumed
        fit trains on the clips of an uninterrupted one. Under DDP each process takes every
        ``world_size``-th clip of that order."""
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        """One clip per test file (its start), which the task's ``predict_step`` generates one clip for."""
        if not self.datasets:
            self.setup()
        test = self.datasets["test"]
        starts = ClipDataset(
            test.waves, self.clip_samples, self.quantizer, "fixed", test.on_bad_file, test.seed
        )
        return self._loader("test", shuffle=False, dataset=starts, scored=False)

    def source_summary(self) -> dict[str, int | str]:
        """What the files were and what reading them did (after :meth:`setup`): counts of source
        rates, channels and formats, how many were resampled to ``sample_rate`` or mixed to mono,
        and the files skipped as unreadable. Logged to MLflow as ``data.*`` tags by the task."""
        if not self.datasets:
            self.setup()
        headers = [h for d in self.datasets.values() for h in (d.waves.headers or [])]

        def counts(values, shown=str) -> str:
            return ", ".join(f"{shown(k)}: {n}" for k, n in sorted(Counter(values).items()))

        channel_names = {1: "mono", 2: "stereo"}
        return {
            "audio_files": len(headers),
            # in order of rate (as text, 8000 Hz came after 48000 Hz)
            "source_rates": counts((h.sample_rate for h in headers), lambda rate: f"{rate} Hz"),
            "source_channels": counts(
                channel_names.get(h.channels, f"{h.channels} channels") for h in headers
            ),
            "source_formats": counts(h.format for h in headers),
            f"resampled_to_{self.sample_rate}_hz": sum(h.sample_rate != self.sample_rate for h in headers),
            "mixed_to_mono": sum(h.channels > 1 for h in headers),
            "skipped_files": ", ".join(shown_path(p, self.root) for p in self.skipped) or "none",
        }

    def describe_sources(self) -> str:
        """:meth:`source_summary` as one line for the console, with the files of each split (a
        ``test_pattern`` written as a glob shows there as a test split of nearly every file)."""
        s = self.source_summary()
        skipped = (
            "" if s["skipped_files"] == "none" else f"; {len(self.skipped)} skipped ({s['skipped_files']})"
        )
        sizes = {name: len(d.waves) for name, d in self.datasets.items()}
        used = f"{s['audio_files']} audio files"
        if self.found_files > s["audio_files"] + len(self.skipped):  # a quick run's subset: say so
            used = (
                f"{s['audio_files']} of the {self.found_files} audio files (max_files_per_split="
                f"{self.hparams.max_files_per_split})"
            )
        return (
            f"{used} under {self.root} ({s['source_rates']}; {s['source_channels']}): "
            f"{s[f'resampled_to_{self.sample_rate}_hz']} resampled to {self.sample_rate} Hz{self._upsampled()}, "
            f"{s['mixed_to_mono']} mixed to mono{skipped}; split {sizes['train']} train, {sizes['val']} "
            f"validation, {sizes['test']} test{self._scored_whole()}"
        )

    def _scored_whole(self) -> str:
        """How many clips validation and test score, when files outlast the clips: every sample of each
        file is scored, not the start alone that training with ``crop="fixed"`` sees."""
        val, test = self.datasets["val"], self.datasets["test"]
        if len(val) == len(val.waves) and len(test) == len(test.waves):
            return ""
        return (
            f" (validation and test score the whole files: {len(val)} and {len(test)} clips of "
            f"{self.clip_samples / self.sample_rate:g} s)"
        )

    def _upsampled(self) -> str:
        """A note when every file is below ``sample_rate``: resampling up adds no sound above half
        their rate, only samples for the model to predict (twice as many from 8 kHz to 16 kHz)."""
        rates = {h.sample_rate for d in self.datasets.values() for h in (d.waves.headers or [])}
        top = max(rates, default=self.sample_rate)
        if top >= self.sample_rate:
            return ""
        return (
            f" (up from {top} Hz at most: nothing above {top / 2:g} Hz; sample_rate={top} "
            f"(CLI: --data.sample_rate {top}) trains at their own rate)"
        )

    def describe(self) -> dict[str, object]:
        """Settings that a saved model needs to decode and name its output."""
        return {
            "sample_rate": self.sample_rate,
            "clip_samples": self.clip_samples,
            "quantization": self.quantizer.method,
            "bits": self.quantizer.bits,
            "root": os.fspath(self.root.name),
        }
