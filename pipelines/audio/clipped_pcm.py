"""Integer PCM files clipped at full scale, found in the clips the data loader decodes anyway.

Integer PCM cannot go beyond full scale, so a recording made too loud is flattened at its largest codes
(+32767 and -32768 in 16 bits) rather than read beyond 1.0: the setup's level scan (:mod:`.levels`)
reads such a file only to its first sound and cannot see it, and reading every file whole at setup
would read the whole folder once more before training. The clips are decoded anyway: each is checked
as it is (about 0.02 ms a 1 s clip at 16 kHz, whose decoding takes 0.6 ms; a file at another rate
than the data's at its own rate, as it is decoded whole to be resampled, since resampling smooths the
flattened tops), counts kept per file in memory shared with the loader workers, and a file is named
once when its samples read so far put more than :data:`CLIPPED_SHARE` of them in runs of :data:`RUN`
or more at full scale (Audacity's "Find Clipping" flags runs of 3; a peak-normalised recording touches
full scale in single samples), in any channel: each is checked before the mono mix, which halves a top
flattened in one channel alone (about 1 us more a 1 s stereo clip at 16 kHz). The share is of the
frames read: every frame of the validation and test files each epoch, the windows read so far of
training files. Under DDP each process reads its own share of the clips: a file is named at each epoch's
end, by rank 0 alone, from the counts of every process summed (:meth:`ClippingTally.name_found`; each
process named the files of its own share, as it found them). Under ``ddp_spawn`` each trainer call's
processes set the data module up anew (the fit's, then the validation of the best weights after it): a
file is named once by them all, as the data module's record of the files named says (:mod:`.named_files`).
Each also records there a file its own reads put over the share, with its counts then: should the
processes stop on an error before an epoch's end, the process that started them names it from the record
(:meth:`~ssm_ts.pipelines.audio.AudioDataModule.name_found_in_started_processes`), in the same words.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from .across_ranks import summed_on_ranks
from .named_files import FOUND_CLIPPED, NamedFiles
from .stopped_fit_list import SHOWN, Clipped

RUN = 3  # samples at full scale in a row that a clipped waveform's flattened top makes
CLIPPED_SHARE = 0.001  # of the samples read: more than this in such runs is a clipped recording


def full_scale_level(format: str) -> float | None:
    """The level (``|x| >=``) of a file's largest codes as read (mono mixes of them too), from its
    header's ``format`` (``"WAV PCM_16"``); ``None`` for float and lossy files, which the setup's
    level scan reads whole, and for companded and ADPCM ones, which never reach it."""
    subtype = format.split()[-1] if format else ""
    bits = _PCM_BITS.get(subtype)
    # half a code below the largest (a mono mix in float32 may round it), above the code below it: a
    # 24-bit file's own largest codes, not 16-bit full scale (a peak-normalised 24-bit take of 50 Hz hum
    # at 48 kHz has 0.6% of its samples within 2**-15 of its peaks, in runs of 3)
    return None if bits is None else 1 - 1.5 * 2.0 ** (1 - bits)


_PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}


def samples_in_full_scale_runs(wave: torch.Tensor | np.ndarray, level: float) -> int:
    """How many frames of ``wave`` ``(frames,)`` or ``(frames, channels)`` lie, in any channel, in runs of
    :data:`RUN` or more at ``|x| >= level`` (a file clipped on one channel only: the mono mix halves its
    flattened tops, below full scale). In NumPy: torch's per-operation overhead made this 36 us a 0.5 s
    clip with no sample at full scale, 8 us now."""
    samples = wave.numpy() if isinstance(wave, torch.Tensor) else np.asarray(wave)
    if samples.shape[0] < RUN or max(float(samples.max()), -float(samples.min())) < level:
        return 0  # most clips: two reductions, no array made
    at = np.abs(samples.reshape(samples.shape[0], -1)) >= level  # (frames, channels)
    frames = at.shape[0]
    starts = at[: frames - RUN + 1].copy()
    for shift in range(1, RUN):  # windows of RUN samples all at full scale
        starts &= at[shift : frames - RUN + 1 + shift]
    member = np.zeros_like(at)
    for shift in range(RUN):
        member[shift : shift + starts.shape[0]] |= starts
    return int(member.any(axis=1).sum())


class ClippingTally:
    """Per file: samples read and samples in full-scale runs, in memory shared with the loader workers,
    and whether the file was named; ``levels``: each file's :func:`full_scale_level` (``None``: not
    checked). ``named_files``: the data module's record shared with the processes of its other trainer
    calls and DDP ranks (:mod:`.named_files`): a file any of them named clipped is not named again.
    ``name_later`` (set under DDP by the data module, before any loader): :meth:`add` names nothing, and
    :meth:`name_found` names the files at each epoch's end from every process's counts; :meth:`add`
    records a file this process's counts put over the share in ``named_files`` (kind ``FOUND_CLIPPED``,
    with those counts), once a process (``found``), for ``ddp_spawn``'s starting process to name should
    the fit stop before the epoch's end."""

    def __init__(self, files: list[Path], levels: list[float | None], named_files: NamedFiles | None = None):
        self.files, self.levels, self.named_files = files, levels, named_files
        self.counts = torch.zeros((len(files), 2), dtype=torch.long).share_memory_()  # (clipped, read)
        self.seconds = torch.zeros(len(files), dtype=torch.float64).share_memory_()
        self.named = torch.zeros(len(files), dtype=torch.bool).share_memory_()
        self.found = torch.zeros(len(files), dtype=torch.bool).share_memory_()  # recorded as FOUND_CLIPPED
        # found past the first SHOWN named as found, for the data module to list (:meth:`take_listed`)
        self.listed = torch.zeros(len(files), dtype=torch.bool).share_memory_()
        self.shown = getattr(named_files, "shown_clipped", None)  # shared by the data module's splits
        if self.shown is None:
            self.shown = torch.zeros(1, dtype=torch.long).share_memory_()
        self.name_later = False
        self.list_later = False  # set by the data module when something names the listed at epoch ends

    def add(self, index: int, wave: torch.Tensor | np.ndarray, rate: int) -> None:
        """Count the frames ``wave`` ``(frames,)`` or ``(frames, channels)`` (each channel checked: see
        :func:`samples_in_full_scale_runs`) at ``rate`` Hz read from file ``index`` (a clip, or the whole
        file); warn once the file's share of clipped frames passes :data:`CLIPPED_SHARE`."""
        level = self.levels[index]
        # NumPy views of the shared tensors (the same memory): indexing a tensor costs microseconds an
        # operation, and this runs for every clip decoded
        named = self.named.numpy()
        frames = wave.shape[0]
        if level is None or named[index] or frames == 0:
            return
        counts, seconds = self.counts.numpy(), self.seconds.numpy()
        counts[index, 0] += samples_in_full_scale_runs(wave, level)
        counts[index, 1] += frames
        seconds[index] += frames / rate
        clipped, read = int(counts[index, 0]), int(counts[index, 1])
        if clipped <= CLIPPED_SHARE * read or named[index]:
            return
        if self.name_later:
            self._record_found(index, clipped, read, float(seconds[index]))
            return
        self._name(index, clipped, read, float(seconds[index]), as_found=True)

    def _record_found(self, index: int, clipped: int, read: int, seconds: float) -> None:
        """Record file ``index`` as found clipped with these counts (``FOUND_CLIPPED``), once a process:
        a started process's counts are lost with it when it stops on an error before the epoch's end."""
        found = self.found.numpy()
        if found[index] or self.named_files is None:
            return
        found[index] = True
        self.named_files.first_time(self.files[index], FOUND_CLIPPED, (clipped, read, seconds))

    def name_found(self, world_size: int = 1, rank: int = 0) -> None:
        """Name each file not named yet whose samples read put more than :data:`CLIPPED_SHARE` of them in
        full-scale runs: of this process's reads, or with ``world_size > 1`` of every DDP process's, summed
        (a collective: every process calls it), named by ``rank`` 0 alone and recorded as named by each (a
        fit stopped by an error calls it with the defaults: no collective, as the others may be gone)."""
        counts, seconds = self.counts, self.seconds
        if world_size > 1:
            counts, seconds = summed_on_ranks(counts), summed_on_ranks(seconds)
        over = (counts[:, 0].double() > CLIPPED_SHARE * counts[:, 1].double()) & ~self.named
        for index in over.nonzero().flatten().tolist():
            if rank == 0:
                self._name(index, int(counts[index, 0]), int(counts[index, 1]), float(seconds[index]))
            else:  # named by rank 0: counted no more here, nor named if the fit stops
                self.named[index] = True

    def _name(self, index: int, clipped: int, read: int, seconds: float, as_found: bool = False) -> None:
        """One warning naming file ``index``, ``clipped`` of its ``read`` samples (``seconds`` s) in runs at
        full scale, unless the processes of an earlier trainer call named it (:attr:`named_files`).
        ``as_found`` (one process): past the first :data:`SHOWN` files named so (:attr:`shown`, of every
        loader worker), the file is marked :attr:`listed` instead, for the data module to list at the
        epoch's end (a folder recorded too loud made a warning a file: thousands), when ``list_later``
        (set by the data module for a trainer call with epoch ends: not a predict's)."""
        self.named[index] = True
        if self.named_files is not None and not self.named_files.first_time(self.files[index], "clipped"):
            return
        shown = self.shown.numpy()
        if (
            as_found and self.list_later and shown[0] >= SHOWN
        ):  # two workers at the same instant may name an eleventh
            self.listed[index] = True
            return
        shown[0] += 1
        # stacklevel 1: the caller is torch's data loader, which the CLI would print as the source
        warnings.warn(clipped_warning(self.files[index], clipped, read, seconds), stacklevel=1)

    def take_listed(self) -> list[Clipped]:
        """The files marked :attr:`listed` since the last call (then unmarked), with their counts."""
        indices = self.listed.nonzero().flatten().tolist()
        self.listed[indices] = False
        return [self._counted(i) for i in indices]

    def named_over_share(self) -> list[Clipped]:
        """Every file named clipped (or listed) by this process, with its counts, for the list of them."""
        counts = self.counts
        over = (counts[:, 0].double() > CLIPPED_SHARE * counts[:, 1].double()) & self.named
        return [self._counted(i) for i in over.nonzero().flatten().tolist()]

    def _counted(self, index: int) -> Clipped:
        clipped, read = (int(n) for n in self.counts[index])
        return self.files[index], clipped, read, float(self.seconds[index])


def clipped_warning(path: Path, clipped: int, read: int, seconds: float) -> str:
    """The warning naming ``path`` clipped at full scale: ``clipped`` of the ``read`` frames read from it
    (``seconds`` s) lie in runs of :data:`RUN` or more at its largest codes."""
    return (
        f"audio file {path} is clipped at full scale: {clipped / read:.2%} of the {seconds:.3g} s read "
        f"from it so far lie in runs of {RUN} or more samples at its largest codes (+-1), flattened tops "
        "the model learns as sound. Record it again at a lower gain, or remove it"
    )
