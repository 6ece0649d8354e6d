"""Random SSM convolution features: a ROCKET-style transform whose kernels are fixed, random S4D kernels.

ROCKET (Dempster et al. 2020) convolves every series with thousands of random kernels and keeps two
numbers per kernel: the proportion of positive values (PPV) and the maximum; a ridge classifier on
those features is strong on small archives because nothing in the transform is trained. Here every
kernel is the impulse response of a small diagonal SSM from :class:`ssm_ts.core.DiagonalSSM`
(S4D-Lin modes ``A = -1/2 + i w``) with a random step ``dt`` (log-uniform, so memory timescales
span 2 samples to the training length), random mode frequencies (by default at most 2 oscillations
per memory timescale, so long kernels are smooth: in cross-validation within TRAIN this beat
frequencies up to Nyquist clearly on ArrowHead, 0.92 vs 0.84) and random complex ``C`` (amplitudes
and phases). Each kernel reads a random signed mix of a few channels, of the series
or of its first difference, forwards or backwards in time; its threshold (bias) is a random quantile
of its own response to a random training recording, so PPV is informative whatever the kernel's gain.
With ``fit(values, sample_weight)`` those recordings are drawn in proportion to their weights and a
recording of weight 0 shapes no kernel (it is as if left out).

``shift_fraction`` turns that share of the kernels into shift SSMs (:class:`ssm_ts.core.ShiftSSM`,
SpaceTime's FIR filters written as SSMs) drawn as ROCKET draws its kernels: short dilated filters of
zero-mean normal taps read forwards from the channels as they are, with a bias ``U(-1, 1)``, half of
them pooled only where the filter lies wholly inside the recording. Which share is best depends on
the problem (cross-validation within TRAIN: all shift kernels on GunPoint, half on ItalyPowerDemand,
none on ArrowHead), so it is a hyperparameter to choose by cross-validation.

Recordings of unequal length are zero-padded at the end; padded steps are left out of every feature
(a backward kernel reads each recording reversed within its own length). :meth:`RandomSSMFeatures.
transform` (and :meth:`~RandomSSMFeatures.transform_batch`, the classifier module's) pads each
recording to a length set by its own length alone
(:func:`~ssm_ts.models.random_ssm_inputs.padded_length`: the training length for recordings as long),
so its features are the same, to the bit, alone or in any batch: padded to the longest of its batch,
the FFT size, and with it the float32 rounding, depended on the others (about 1e-7 apart). (On the
CPU on one thread; cuFFT may plan batches of other sizes otherwise, and several CPU threads can move a
feature of a recording in another batch by float32 rounding.)

Another sample rate: ``transform(values, rate=r)`` with ``r`` = training sample rate / the rate of
``values`` (0.5 for recordings at twice the rate) gives the features the kernels would give the same
continuous-time signals at the training rate; how each kind of kernel is scaled is in
:mod:`~ssm_ts.models.random_ssm_kernels`. ``rate=1`` computes exactly what it always did.

The kernels are drawn in :mod:`~ssm_ts.models.random_ssm_draw`, their inputs checked in
:mod:`~ssm_ts.models.random_ssm_inputs`.

Memory: responses are computed in blocks of (recordings x kernels) sized so that a block's peak
working memory (the channel mixes, their FFTs padded to twice the length, the responses, the pooling
masks) stays within ``memory_budget_mb``; only the inputs and the ``(n, features)`` output come on
top. The block sizes do not change the features (bit-identical for any budget, on one CPU thread)
as long as one recording's responses to a whole ``chunk`` of kernels fit in the budget (up to about
5,800 steps at the defaults); past that the chunk's kernels are split too, which moves features by float32 rounding.

Kept spectra: ``transform`` and ``transform_padded`` (so the classifier module's forward and
``SSMClassifier.predict_proba`` too) keep the kernels' spectra for each padded length (the last rate
and device) between calls while the kernels hold the same values (a
:class:`~ssm_ts.core.parameter_terms.ParameterTermsCache` keyed on the drawn arrays): predicting in
batches made every kernel's impulse response and FFT again for each batch (a fifth to half of a
prediction on GunPoint and JapaneseVowels). They are kept only while all of them (``K (length + 1)``
complex64 a length) take at most half of ``memory_budget_mb`` and the rest still holds one
recording's responses to a whole chunk (the lengths used longest ago go first); the blocks then share
what is left of the budget (fewer recordings a block, which never changes a feature), so the peak
stays within it. The same features, bit for bit, on one CPU thread; on several, a block of other
recordings (as another budget or batch gives) can move a feature by float32 rounding (2 of 2,000,000
at the defaults, 1 unit in the last place). Threads may share the features: each finds the kept
spectra as it starts. Copies and pickles start without them; ``fit`` draws new kernels, which are
computed afresh.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ssm_ts.core.parameter_terms import ParameterTermsCache
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.models.random_ssm_draw import SHIFT_TAPS, draw_kernels, threshold_sources
from ssm_ts.models.random_ssm_inputs import (
    check_padded,
    check_rate,
    check_recordings,
    empty_recording_error,
    padded,
    padded_length,
)
from ssm_ts.models.random_ssm_kernels import WHOLE_STEP_TOLERANCE, inside_start, ssm_kernels
from ssm_ts.models.random_ssm_pooling import POOLINGS, pool_responses
from ssm_ts.whole_numbers import is_real_number, is_whole_number

# moved to their own modules; the classifier, the task and tests import them from here
_padded, _ssm_kernels = padded, ssm_kernels
__all__ = [
    "DEFAULT_MEMORY_BUDGET_MB",
    "POOLINGS",
    "SHIFT_TAPS",
    "WHOLE_STEP_TOLERANCE",
    "RandomSSMFeatures",
    "RandomSSMKernels",
    "check_padded",
    "check_rate",
    "check_recordings",
    "inside_start",
    "pool_responses",
    "threshold_sources",
]

DEFAULT_MEMORY_BUDGET_MB = 64.0
# Working bytes per (recording, kernel, padded step) of a response block, FFTs being over twice the
# length: the reused buffers, zero-padded signal then float32 responses (8) and spectrum (8), plus at
# most 10 at once beside them: the channel mix (4) before it is copied in, or the pooling temporaries
# (masks 1 + 1, excess over the threshold and its product 4 + 4).
# tests/models/test_random_features_memory.py measures every allocation against these figures.
_ROW_BYTES_PER_STEP = 26
# per (kernel, padded step): its spectrum, 20 while it is made (impulse response 4, zero-padded 8,
# spectrum 8), 8 held while its blocks run
_SPECTRUM_BYTES_PER_STEP = 20
# per (kernel, frequency) of a kept spectrum (complex64): K (length + 1) of them at a padded length
_KEPT_SPECTRUM_BYTES = 8
_SPECTRA_CACHE = "_spectra_cache"  # RandomSSMFeatures' attribute: padded length -> ParameterTermsCache
# recordings padded to a common length in transform(): at most this many floats over (recordings x
# chunk x longest). Fixed (not the memory budget) because the padded length, hence the FFT size, moves
# features by float32 rounding: the budget must not change them.
_PAD_GROUP_FLOATS = 2**24


@dataclass
class RandomSSMKernels:
    """The drawn kernels, as plain arrays (they pickle and move between machines as they are).

    Attributes:
        log_dt: ``(K,)`` log step of each kernel's SSM.
        freq: ``(K, M)`` imaginary parts of the ``M`` modes' ``A`` (continuous time).
        C: ``(K, M)`` complex read-out of each mode.
        channel_weights: ``(K, channels)`` signed channel mix read by each kernel (mostly zeros).
        difference: ``(K,)`` bool, the kernel reads the first difference of the mix.
        backward: ``(K,)`` bool, the kernel runs backwards in time.
        thresholds: ``(K,)`` PPV thresholds (set by :meth:`RandomSSMFeatures.fit`).
        length: the longest training recording's steps (of weight > 0), the reference of
            :func:`~ssm_ts.models.random_ssm_inputs.padded_length`; ``None`` (or 0) for kernels drawn
            before it was kept (each recording is then padded to its own length).
        shift: ``(K,)`` bool, the kernel is a shift SSM (a dilated FIR filter) instead of an S4D one.
        taps: ``(K, max(SHIFT_TAPS))`` a shift kernel's taps (zero beyond its length).
        dilation: ``(K,)`` steps between a shift kernel's taps.
        start: ``(K,)`` first response step pooled (``span - 1`` for a shift kernel pooled only where it
            lies inside the recording, else 0).
    """

    log_dt: np.ndarray
    freq: np.ndarray
    C: np.ndarray
    channel_weights: np.ndarray
    difference: np.ndarray
    backward: np.ndarray
    thresholds: np.ndarray
    length: int | None = None
    shift: np.ndarray | None = None
    taps: np.ndarray | None = None
    dilation: np.ndarray | None = None
    start: np.ndarray | None = None


class RandomSSMFeatures:
    """Fixed random S4D kernels -> ``2 K`` features per recording (PPV and max of every kernel).

    Args:
        n_kernels: number of kernels ``K``.
        n_modes: complex modes per kernel (each with its conjugate).
        max_channels: at most this many channels are mixed by one kernel.
        seed: draws the kernels and the threshold quantiles.
        chunk: kernels drawn and made together (one draw of threshold recordings per chunk), and at
            most this many convolved at once; part of the draw, so it changes the features.
        max_cycles: ``None``: mode frequencies uniform up to Nyquist; else at most this many
            oscillations within a kernel's memory timescale (smooth kernels at long timescales).
        pooling: features per kernel, from ``POOLINGS``: ``"ppv"`` (share of steps above the
            threshold), ``"max"``, ``"mpv"`` (mean excess over the threshold where above it) and
            ``"mipv"`` (mean relative time of the steps above it), the last two from MultiRocket.
        shift_fraction: share of the kernels that are shift SSMs (dilated FIR filters, see above).
        memory_budget_mb: peak working memory (MiB) of one block of responses in ``fit`` and
            ``transform``, on the CPU or the GPU, beyond the recordings and the feature matrix. Any
            budget gives the same features; smaller ones give smaller blocks (at least one recording
            x one kernel). Default 64.
    """

    def __init__(
        self,
        n_kernels: int = 2000,
        n_modes: int = 4,
        max_channels: int = 3,
        seed: int = 0,
        chunk: int = 250,
        max_cycles: float | None = 2.0,
        pooling: tuple[str, ...] = ("ppv", "max"),
        shift_fraction: float = 0.0,
        memory_budget_mb: float = DEFAULT_MEMORY_BUDGET_MB,
    ):
        counts = {"n_kernels": n_kernels, "n_modes": n_modes, "max_channels": max_channels, "chunk": chunk}
        for name, value in counts.items():  # a text or float value failed in a comparison or in numpy
            if not is_whole_number(value) or value < 1:
                raise ConfigError(f"{name} must be positive, a whole number such as 4000, got {value!r}")
        self.n_kernels, self.n_modes, self.max_channels = n_kernels, n_modes, max_channels
        unknown = set(pooling) - set(POOLINGS)
        if unknown or not pooling:
            raise ConfigError(f"pooling must be a non-empty subset of {POOLINGS}, got {pooling}")
        if not is_real_number(shift_fraction) or not 0.0 <= shift_fraction <= 1.0:
            raise ConfigError(
                f"shift_fraction must be in [0, 1], a number such as 0.5, got {shift_fraction!r}"
            )
        self.seed, self.chunk, self.max_cycles, self.pooling = seed, chunk, max_cycles, tuple(pooling)
        self.shift_fraction = shift_fraction
        if isinstance(memory_budget_mb, bool) or not (
            isinstance(memory_budget_mb, (int, float)) and 0 < memory_budget_mb < math.inf
        ):
            raise ConfigError(
                f"memory_budget_mb must be a positive number of MiB (e.g. 64), got {memory_budget_mb!r}"
            )
        self.memory_budget_mb = float(memory_budget_mb)
        self.kernels_: RandomSSMKernels | None = None

    def __setstate__(self, state: dict) -> None:
        # features pickled before the memory budget existed get the default
        self.__dict__.update({"memory_budget_mb": DEFAULT_MEMORY_BUDGET_MB, **state})

    def __getstate__(self) -> dict:
        # the kept spectra stay behind: copies and pickles start without them
        return {name: value for name, value in self.__dict__.items() if name != _SPECTRA_CACHE}

    @property
    def n_features(self) -> int:
        return len(self.pooling) * self.n_kernels

    def fit(self, values: Sequence[np.ndarray], sample_weight: np.ndarray | None = None) -> RandomSSMFeatures:
        """Draw the kernels for training recordings ``values[i]`` ``(channels, length_i)`` and set
        every kernel's threshold from a random training recording.

        ``sample_weight`` ``(n,)`` (>= 0, not all 0; ``None``: all equal) weighs the recordings where
        they shape the kernels: the longest one of weight > 0 sets the range of timescales and
        dilations, and each kernel's threshold comes from recording ``i`` with probability
        ``w_i / sum(w)`` (as if recording ``i`` were repeated in proportion to ``w_i``; each threshold
        is a quantile of one recording's own response, so no quantile is weighted). A recording of
        weight 0 shapes nothing, and equal weights draw exactly as ``None`` does: weights 0 on some
        recordings and equal on the rest fit exactly what the rest alone fit."""
        if not len(values):
            raise DataError("RandomSSMFeatures.fit needs at least one training recording, got none")
        check_recordings(values)
        kept, pick_p = threshold_sources(sample_weight, len(values))
        self.__dict__.pop(_SPECTRA_CACHE, None)  # the old kernels' spectra: freed before the new are made
        rng = np.random.default_rng(self.seed)
        n_channels = values[0].shape[0]
        longest = max(values[i].shape[1] for i in kept)
        self.kernels_, shift_bias = draw_kernels(self, rng, n_channels, longest)
        K = self.n_kernels
        quantiles = rng.uniform(0.1, 0.9, size=K)
        for start in range(0, K, self.chunk):
            index = slice(start, min(K, start + self.chunk))
            # a few random recordings per chunk; each kernel takes its threshold from one of them
            if pick_p is None:
                picked = kept[rng.choice(len(kept), size=min(8, len(kept)), replace=False)]
            else:  # 8 draws with replacement: a threshold comes from recording i with probability p_i
                picked = kept[rng.choice(len(kept), size=8, p=pick_p)]
            source = np.array([int(rng.integers(len(picked))) for _ in range(index.start, index.stop)])
            if pick_p is not None:  # a recording drawn twice is convolved once
                picked, slot = np.unique(picked, return_inverse=True)
                source = slot[source]
            x, lengths = padded([values[i] for i in picked])
            self._set_thresholds(x, lengths, index, source, quantiles[index])
        # shift kernels went through the quantile loop too (its draws are per kernel, so skipping them
        # would change every S4D threshold after them); their bias replaces those quantiles here
        self.kernels_.thresholds[self.kernels_.shift] = shift_bias
        return self

    def _set_thresholds(
        self, x: Tensor, lengths: np.ndarray, index: slice, source: np.ndarray, quantiles: np.ndarray
    ) -> None:
        """Threshold of kernel ``index.start + i``: quantile ``quantiles[i]`` of its response to recording
        ``source[i]`` of the padded ``x`` ``(n, channels, length)`` (real lengths ``lengths``)."""
        thresholds = self.kernels_.thresholds

        def take_quantiles(rows: slice, kernels: slice, y: Tensor) -> None:
            for k in range(kernels.start, kernels.stop):
                j = source[k - index.start]
                if rows.start <= j < rows.stop:
                    response = y[j - rows.start, k - kernels.start, : lengths[j]].numpy()
                    thresholds[k] = np.quantile(response, quantiles[k - index.start])

        self._for_each_block(x, lengths, index, take_quantiles)

    def transform(self, values: Sequence[np.ndarray], batch_size: int = 256, rate: float = 1.0) -> np.ndarray:
        """Features ``(n, P K)`` float32 of recordings ``values[i]`` ``(channels, length_i)``: pooling
        ``p`` of kernel ``k`` in column ``P k + p``. ``rate``: training sample rate / the recordings'
        rate (0.5 for twice the rate; see the module docstring)."""
        kernels = self._require_kernels()
        rate = check_rate(rate)
        check_recordings(values, kernels.channel_weights.shape[1])
        out = np.empty((len(values), self.n_features), dtype=np.float32)
        if not len(values):
            return out
        # recordings of one padded length (set by each one's own length: the same features in any batch)
        # go together; transform_padded splits each group into blocks within the memory budget
        sizes = self.padded_lengths(np.array([v.shape[1] for v in values]))
        for size in np.unique(sizes).tolist():
            same = np.flatnonzero(sizes == size)
            rows_per_group = max(1, min(batch_size, _PAD_GROUP_FLOATS // (self.chunk * size)))
            for b in range(0, len(same), rows_per_group):
                rows = same[b : b + rows_per_group]
                x, lengths = padded([values[i] for i in rows], size)
                out[rows] = self.transform_padded(x, lengths, rate).numpy()
        return out

    def padded_lengths(self, lengths: np.ndarray) -> np.ndarray:
        """The padded length ``(n,)`` each recording's features are computed at, from its own length
        ``lengths`` ``(n,)`` (:func:`~ssm_ts.models.random_ssm_inputs.padded_length`)."""
        reference = self._require_kernels().length
        if len(lengths) and lengths.min() < 1:  # a mask row of no steps
            raise empty_recording_error(int(np.argmax(lengths < 1)))
        found = {int(n): padded_length(int(n), reference) for n in np.unique(lengths)}
        return np.array([found[int(n)] for n in lengths], dtype=np.int64)

    def transform_batch(self, x: Tensor, lengths: np.ndarray | Tensor, rate: float = 1.0) -> Tensor:
        """:meth:`transform_padded` of recordings ``x`` ``(n, channels, length)`` zero-padded to any length
        (``lengths`` ``(n,)`` real), each computed at its own padded length (:meth:`padded_lengths`), as
        :meth:`transform` computes it: a recording's features ``(n, P K)`` do not depend on its batch."""
        check_padded(x, self._require_kernels().channel_weights.shape[1])
        lengths = torch.as_tensor(lengths, device=x.device)
        sizes = torch.as_tensor(self.padded_lengths(lengths.cpu().numpy()), device=x.device)
        if len(sizes) and bool((sizes == x.shape[-1]).all()):
            return self.transform_padded(x, lengths, rate)
        out = torch.empty((x.shape[0], self.n_features), dtype=torch.float32, device=x.device)
        for size in torch.unique(sizes).tolist():
            rows = torch.nonzero(sizes == size)[:, 0]
            part = x[rows, :, : min(size, x.shape[-1])]
            if size > x.shape[-1]:
                part = torch.nn.functional.pad(part, (0, size - x.shape[-1]))
            out[rows] = self.transform_padded(part, lengths[rows], rate)
        return out

    def transform_padded(self, x: Tensor, lengths: np.ndarray | Tensor, rate: float = 1.0) -> Tensor:
        """Features ``(n, P K)`` float32 of zero-padded recordings ``x`` ``(n, channels, length)``
        whose real lengths are ``lengths`` ``(n,)``, on ``x``'s device (kernels may be tensors there),
        sampled at training sample rate / ``rate``."""
        kernels = self._require_kernels()
        rate = check_rate(rate)
        check_padded(x, kernels.channel_weights.shape[1])
        lengths = torch.as_tensor(lengths, device=x.device)
        steps = torch.arange(x.shape[-1], device=x.device)[None, None, :]
        out = torch.empty((x.shape[0], self.n_features), dtype=torch.float32, device=x.device)
        P = len(self.pooling)
        spectra, reserved = self._kept_spectra(x.shape[-1], rate, x.device)
        starts = None if kernels.start is None else inside_start(kernels.start, rate)

        def pool(rows: slice, index: slice, y: Tensor) -> None:
            """Pool the responses ``y`` ``(rows, kernels, length)`` into their columns of ``out``."""
            n_real = lengths[rows, None, None]
            valid = steps < n_real
            if starts is not None:  # a kernel's first pooled step (at least one step is pooled)
                first = torch.as_tensor(starts[index], device=x.device)[None, :, None]
                valid = valid & (steps >= torch.minimum(first, n_real - 1))
            thresholds = torch.as_tensor(kernels.thresholds[index], dtype=torch.float32, device=x.device)
            pooled = pool_responses(y, thresholds[None, :, None], valid, lengths[rows], self.pooling)
            for p, values_p in enumerate(pooled):
                out[rows, P * index.start + p : P * index.stop : P] = values_p

        chunk_sizes = {min(self.chunk, self.n_kernels), self.n_kernels % self.chunk or self.chunk}
        workspace = self._workspace(x.shape[0], sorted(chunk_sizes), x.shape[-1], x.device, reserved)
        for start in range(0, self.n_kernels, self.chunk):
            index = slice(start, min(self.n_kernels, start + self.chunk))
            self._for_each_block(x, lengths, index, pool, workspace, rate, spectra, reserved)
        return out

    def kept_spectra_bytes(self, length: int) -> int:
        """Bytes kept for recordings padded to ``length``: every kernel's spectrum (``K (length + 1)``
        complex64) and the copy of the kernels' arrays they are checked against."""
        arrays = _spectrum_arrays(self._require_kernels())
        return self.n_kernels * (length + 1) * _KEPT_SPECTRUM_BYTES + sum(a.nbytes for a in arrays)

    def keeps_spectra(self, length: int, kept_lengths: Sequence[int] = ()) -> bool:
        """Whether ``transform`` can keep the kernels' spectra between calls for recordings padded to
        ``length`` beside those kept for ``kept_lengths``: while all of them take at most half of
        ``memory_budget_mb`` and the rest still holds one recording's responses to a whole chunk (so
        that the blocks, sharing the rest, split only recordings, which never changes a feature)."""
        budget = self.memory_budget_mb * 2**20
        kept = sum(self.kept_spectra_bytes(n) for n in {length, *kept_lengths})
        one_recording = (
            min(self.chunk, self.n_kernels) * (_SPECTRUM_BYTES_PER_STEP + _ROW_BYTES_PER_STEP) * length
        )
        return kept <= budget / 2 and budget - kept >= one_recording

    def _kept_spectra(
        self, length: int, rate: float, device: torch.device
    ) -> tuple[dict[tuple[int, int], Tensor] | None, int]:
        """The kernels' spectra (k, length + 1) for recordings padded to ``length`` at ``rate`` on
        ``device``, by block ``(first kernel, last kernel + 1)``, filled as the blocks are made and kept
        between calls while the kernels' arrays hold the same values (one
        :class:`~ssm_ts.core.parameter_terms.ParameterTermsCache` a padded length: recordings of
        several lengths go by groups of one), and the bytes kept for all lengths. ``(None, 0)`` where
        they are not kept (:meth:`keeps_spectra`). The lengths used longest ago go to make room."""
        if not self.keeps_spectra(length):
            self.__dict__.pop(_SPECTRA_CACHE, None)  # other lengths': freed before these blocks run
            return None, 0
        caches: dict[int, ParameterTermsCache] = self.__dict__.setdefault(_SPECTRA_CACHE, {})
        cache = caches.pop(length, None) or ParameterTermsCache()
        # list(caches) is one step, where iterating the dict itself fails if a transform in another
        # thread adds or drops a length meanwhile ("dictionary changed size during iteration")
        while (kept := list(caches)) and not self.keeps_spectra(length, kept):
            caches.pop(kept[0], None)  # the length used longest ago
        caches[length] = cache  # the most recently used last
        arrays = _spectrum_arrays(self._require_kernels())
        tensors = [a if isinstance(a, Tensor) else torch.tensor(np.asarray(a)) for a in arrays]
        # the chunk and budget set the blocks: another block layout is another entry
        key = (float(rate), torch.device(device), self.chunk, self.memory_budget_mb)
        reserved = sum(self.kept_spectra_bytes(n) for n in list(caches))
        return cache.get_for(tensors, key, dict), reserved

    def block_shape(
        self, n_recordings: int, n_kernels: int, length: int, reserved_bytes: float = 0
    ) -> tuple[int, int]:
        """``(recordings, kernels)`` per response block of ``n_kernels`` kernels (one chunk) to
        ``n_recordings`` recordings padded to ``length`` steps, so that a block's peak working memory
        stays within ``memory_budget_mb`` less ``reserved_bytes`` (the kept spectra): the whole chunk
        and as many recordings as fit (at least one), else (very long recordings) as many kernels as
        fit with one recording (at least one)."""
        budget = self.memory_budget_mb * 2**20 - reserved_bytes
        spectrum, row = _SPECTRUM_BYTES_PER_STEP * length, _ROW_BYTES_PER_STEP * length
        # splitting a chunk's kernels moves the responses by float32 rounding (the spectra's products
        # are vectorised over kernels x frequencies), splitting its recordings does not
        kernels = max(1, min(n_kernels, int(budget // (spectrum + row))))
        rows = int((budget - kernels * spectrum) // (kernels * row))
        return max(1, min(n_recordings, rows)), kernels

    def _for_each_block(
        self,
        x: Tensor,
        lengths: np.ndarray | Tensor,
        index: slice,
        use: Callable[[slice, slice, Tensor], None],
        workspace: tuple[Tensor, Tensor] | None = None,
        rate: float = 1.0,
        spectra: dict[tuple[int, int], Tensor] | None = None,
        reserved_bytes: float = 0,
    ) -> None:
        """Call ``use(rows, kernels, y)`` on the responses ``y`` ``(rows, kernels, length)`` of the kernels
        ``index`` to padded recordings ``x`` ``(n, channels, length)``, one block (within the memory
        budget less ``reserved_bytes``) at a time, in the buffers ``workspace`` (from :meth:`_workspace`;
        made if not given): ``y`` is overwritten by the next block. ``rate``: training sample rate / the
        rate of ``x``. ``spectra``: the kept kernel spectra by block (:meth:`_kept_spectra`), used and
        filled."""
        n, L = x.shape[0], x.shape[-1]
        n_rows, n_kernels = self.block_shape(n, index.stop - index.start, L, reserved_bytes)
        workspace = workspace or self._workspace(n, [index.stop - index.start], L, x.device, reserved_bytes)
        for start in range(index.start, index.stop, n_kernels):
            kernels = slice(start, min(index.stop, start + n_kernels))
            # (the last block's spectra go before these are made, unless kept)
            kernel_f = None if spectra is None else spectra.get((kernels.start, kernels.stop))
            if kernel_f is None:
                kernel_f = torch.fft.rfft(ssm_kernels(self.kernels_, kernels, L, rate).to(x.device), n=2 * L)
                if spectra is not None:
                    spectra[(kernels.start, kernels.stop)] = kernel_f
            for r in range(0, n, n_rows):
                rows = slice(r, min(n, r + n_rows))
                y = self._responses(x[rows], lengths[rows], kernels, kernel_f, workspace, rate)
                use(rows, kernels, y)

    def _workspace(
        self, n: int, chunk_sizes: Sequence[int], length: int, device: torch.device, reserved_bytes: float = 0
    ) -> tuple[Tensor, Tensor]:
        """Flat buffers for the largest block of chunks of ``chunk_sizes`` kernels to ``n`` recordings
        padded to ``length``: the zero-padded signal, then the responses (float32, ``2 length`` per
        row), and its spectrum (complex64, ``length + 1`` per row). Every block reuses them: buffers
        made and freed per block leave the C heap fragmented, and the process then holds about three
        blocks' worth."""
        size = max(math.prod(self.block_shape(n, k, length, reserved_bytes)) for k in chunk_sizes)
        return (
            torch.empty(size * 2 * length, dtype=torch.float32, device=device),
            torch.empty(size * (length + 1), dtype=torch.complex64, device=device),
        )

    def _require_kernels(self) -> RandomSSMKernels:
        if self.kernels_ is None:
            raise ConfigError("RandomSSMFeatures.transform before fit; call fit(training recordings) first.")
        return self.kernels_

    def _responses(
        self,
        x: Tensor,
        lengths: np.ndarray | Tensor,
        index: slice,
        kernel_f: Tensor,
        workspace: tuple[Tensor, Tensor],
        rate: float = 1.0,
    ) -> Tensor:
        """Responses ``(n, k, length)`` of kernels ``index`` (spectra ``kernel_f`` ``(k, length + 1)``,
        the rfft of their impulse responses over ``2 length`` steps) to padded recordings ``x``
        ``(n, channels, length)`` sampled at training sample rate / ``rate``: a causal FFT convolution
        computed in ``workspace`` (the responses are a view of it)."""
        kernels = self.kernels_
        L = x.shape[-1]
        weights = torch.as_tensor(kernels.channel_weights[index], dtype=torch.float32, device=x.device)
        mixed = torch.einsum("kc,ncl->nkl", weights, x)
        if mixed.numel() == 0:  # the FFT libraries reject zero-sized transforms
            return mixed
        n, k = mixed.shape[:2]
        signal = workspace[0][: n * k * 2 * L].view(n, k, 2 * L)
        # the spectrum's buffer is free until the FFT: scratch for the reversed and differenced mixes
        scratch = workspace[1].view(torch.float32)[: 2 * n * k * L].view(2, n, k, L)
        backward = torch.as_tensor(kernels.backward[index], device=x.device)
        if backward.any():
            chosen = backward.nonzero()[:, 0]
            part = torch.index_select(mixed, 1, chosen, out=scratch[0, :, : len(chosen)])
            mixed.index_copy_(1, chosen, _reverse_within(part, lengths, out=scratch[1, :, : len(chosen)]))
        difference = torch.as_tensor(kernels.difference[index], device=x.device)
        if difference.any():
            chosen = difference.nonzero()[:, 0]
            part = torch.index_select(mixed, 1, chosen, out=scratch[0, :, : len(chosen)])
            steps = scratch[1, :, : len(chosen)]
            steps[..., 0] = 0
            torch.sub(part[..., 1:], part[..., :-1], out=steps[..., 1:])  # part.diff(dim=-1)
            if rate != 1.0:  # a slope per training step, whatever the rate
                steps.div_(rate)
            mixed.index_copy_(1, chosen, steps)
        # rfft(mixed, n=2L) zero-pads to 2L steps; here the padding is done in the reused buffer
        signal[..., L:].zero_()
        signal[..., :L].copy_(mixed)
        del mixed
        spectrum = torch.fft.rfft(signal, out=workspace[1][: n * k * (L + 1)].view(n, k, L + 1))
        return torch.fft.irfft(spectrum.mul_(kernel_f), n=2 * L, out=signal)[..., :L]


def _spectrum_arrays(kernels: RandomSSMKernels) -> list[np.ndarray | Tensor]:
    """What the kernels' impulse responses are made of (:func:`ssm_kernels`): arrays, or the classifier
    module's buffers."""
    arrays = (kernels.log_dt, kernels.freq, kernels.C, kernels.shift, kernels.taps, kernels.dilation)
    return [a for a in arrays if a is not None]


def _reverse_within(x: Tensor, lengths: np.ndarray | Tensor, out: Tensor | None = None) -> Tensor:
    """Reverse every row of ``x`` ``(n, k, length)`` in time within its own length (padding stays at the
    end), into ``out`` if given."""
    L = x.shape[-1]
    steps = torch.arange(L, device=x.device)[None, :]
    n_real = torch.as_tensor(lengths, device=x.device)[:, None]
    source = torch.where(steps < n_real, n_real - 1 - steps, steps)  # (n, L)
    return torch.gather(x, -1, source[:, None, :].expand_as(x), out=out)
