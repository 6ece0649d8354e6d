"""``SeriesSet``: checked multichannel recordings of unequal length, with labels.

Every reader returns one. Recordings are kept as a list of ``(channels, length_i)`` float arrays;
nothing is truncated. :func:`pad_batch` pads a group of them to the longest with zeros and a
boolean mask ``(batch, length)`` that is ``True`` on real samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ssm_ts.errors import DataError
from ssm_ts.wording import counted

from .layout import recordings_axis_hint
from .sampling_step import Step

NanPolicy = Literal["error", "zero", "interpolate"]
NAN_POLICIES = ("error", "zero", "interpolate")


@dataclass
class SeriesSet:
    """Recordings ``values[i]`` of shape ``(channels, length_i)`` and optional ``labels`` (n,).

    Attributes:
        values: one float64 array ``(channels, length_i)`` per recording.
        labels: the class label of each recording (strings), or ``None`` for unlabelled data.
        source: where the data came from, for error messages (a file name, ``"array"``).
        ids: a name per recording (row number, recording id, file name).
        sampling_step: the time between samples, as the reader found it in the time stamps (the
            median step; see :mod:`.sampling_step`): a float in the time column's units, a
            ``pandas.Timedelta`` for dates, ``None`` when the data has no times.
        weights: a training weight per recording ``(n,)`` (``SSMClassifier.fit``'s ``sample_weight``),
            or ``None`` (all 1); :mod:`.weights` checks them.
        channel_names: the name of each channel (row of ``values[i]``), as the file names them (a CSV's
            columns), or ``None`` when the data does not name them (arrays, ``.ts``): a model fitted on
            named channels matches new recordings' channels by name (:func:`match_channels`).
    """

    values: list[np.ndarray]
    labels: np.ndarray | None
    source: str = "array"
    ids: list[str] = field(default_factory=list)
    sampling_step: Step = None
    weights: np.ndarray | None = None
    channel_names: list[str] | None = None

    @property
    def n_channels(self) -> int:
        return int(self.values[0].shape[0])

    @property
    def lengths(self) -> np.ndarray:
        return np.array([v.shape[1] for v in self.values], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        """A summary, not the values: the dataclass's own repr printed every sample of every recording."""
        if not self.values:
            return f"SeriesSet(0 recordings, source={self.source!r})"
        low, high = int(self.lengths.min()), int(self.lengths.max())
        length = f"length {low}" if low == high else f"lengths {low}-{high}"
        labels = (
            "unlabelled" if self.labels is None else counted(len(np.unique(self.labels)), "class", "classes")
        )
        names = ""
        if self.channel_names is not None:
            more = ", ..." if len(self.channel_names) > 8 else ""
            names = f", channel_names=[{', '.join(map(repr, self.channel_names[:8]))}{more}]"
        step = "" if self.sampling_step is None else f", sampling_step={self.sampling_step!r}"
        return (
            f"SeriesSet({counted(len(self), 'recording')} of {counted(self.n_channels, 'channel')}, {length}, {labels}"
            f"{names}{step}, source={self.source!r})"
        )

    @property
    def shape(self) -> tuple[int, int, int | None]:
        """``(n, channels, length)``, as an array of the recordings has it; ``length`` is ``None`` when
        their lengths differ.

        scikit-learn indexes an ``X`` that has a shape as an array, ``X[indices, ...]``
        (``_safe_indexing``), which :meth:`__getitem__` answers with a ``SeriesSet``: so the parts of
        ``train_test_split`` and the folds of ``GridSearchCV`` and ``cross_val_score`` keep the channel
        names, the sampling step, the ids and the labels (without a shape they were lists of recordings).
        """
        lengths = set(self.lengths.tolist())
        length = lengths.pop() if len(lengths) == 1 else None
        return (len(self), self.n_channels if self.values else 0, length)

    def __getitem__(self, index: int | slice | Sequence[int] | np.ndarray | tuple) -> np.ndarray | SeriesSet:
        """One recording ``(channels, length_i)`` for an integer; for a slice, integer positions or a
        boolean mask ``(n,)``, the :class:`SeriesSet` of those recordings (:meth:`subset`).
        ``data[index, ...]`` is ``data[index]``, as for an array.

        scikit-learn indexes ``X`` this way (``_safe_indexing``, see :attr:`shape`), so a ``SeriesSet``
        goes straight into ``GridSearchCV``, ``cross_val_score`` and ``train_test_split``, and each
        fold is a ``SeriesSet`` of its recordings.
        """
        if isinstance(index, tuple) and len(index) == 2 and index[1] is Ellipsis:
            index = index[0]
        if isinstance(index, (int, np.integer)):
            return self.values[index]
        if isinstance(index, slice):
            return self.subset(range(len(self))[index])
        index = np.asarray(index)
        if index.dtype == bool:
            if index.shape != (len(self),):
                raise IndexError(f"a boolean mask of shape {index.shape} for {len(self)} recordings")
            index = np.flatnonzero(index)
        return self.subset(index)

    def __array_namespace__(self, api_version: str | None = None):
        """NumPy, the namespace of the recordings: with ``sklearn.set_config(array_api_dispatch=True)``
        scikit-learn asks ``X`` for its array namespace before it splits it (``cross_val_score``,
        ``GridSearchCV``, ``train_test_split``), and a ``SeriesSet`` without one was "TypeError:
        SeriesSet is not a supported array type" before ``fit`` was ever called. Its folds are then
        taken with ``numpy.take`` (:meth:`take`)."""
        return np.empty(0).__array_namespace__(api_version=api_version)

    def take(
        self, indices: Sequence[int] | np.ndarray, axis: int = 0, out: None = None, mode: str = "raise"
    ) -> SeriesSet:
        """The recordings at ``indices`` as a :class:`SeriesSet` (``numpy.take(data, indices, axis=0)``
        calls it: scikit-learn takes the folds this way under ``array_api_dispatch=True``). ``out`` and
        ``mode`` are ``numpy.take``'s; only their defaults apply to recordings."""
        if axis != 0 or out is not None or mode != "raise":
            raise IndexError(
                f"a SeriesSet is taken along its recordings: take(indices, axis=0), not axis={axis}, "
                f"out={'an array' if out is not None else None}, mode={mode!r}"
            )
        return self.subset(np.asarray(indices).reshape(-1))

    def subset(self, index: Sequence[int] | np.ndarray) -> SeriesSet:
        index = [int(i) for i in index]
        return SeriesSet(
            [self.values[i] for i in index],
            None if self.labels is None else self.labels[index],
            self.source,
            [self.ids[i] for i in index],
            self.sampling_step,
            None if self.weights is None else self.weights[index],
            self.channel_names,
        )


def check_label_count(
    n_labels: int, n: int, source: str, shape: tuple[int, ...] | None = None, torch: bool = False
) -> None:
    """A :class:`DataError` unless there are as many labels as recordings (``n``); ``shape``: the array
    (``torch``: a tensor) the recordings came from, if one, for the hint when another of its axes is as
    long as the labels (:func:`~.layout.recordings_axis_hint`)."""
    if n_labels != n:
        raise DataError(
            f"{source}: {n_labels} labels for {n} recordings; give exactly one label per recording."
            + recordings_axis_hint(shape, n_labels, source, torch)
        )


def _label_array(
    labels: Sequence | np.ndarray | None, n: int, source: str, shape: tuple[int, ...] | None = None
) -> np.ndarray | None:
    """``labels`` as text ``(n,)``, checked; ``shape``: the array the ``n`` recordings came from, if
    one (:func:`check_label_count`)."""
    if labels is None:
        return None
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise DataError(
            f"{source}: labels must be one label per recording (a 1-D sequence), got shape {labels.shape}."
        )
    check_label_count(len(labels), n, source, shape)
    missing = [
        i for i, value in enumerate(labels) if value is None or (isinstance(value, float) and np.isnan(value))
    ]
    if missing:
        raise DataError(
            f"{source}: recordings {missing[:10]} have no label; label them or remove them from the data."
        )
    return labels.astype(str)


NAN_FIX = (
    "choose nan_policy='interpolate' (linear in time) or 'zero' (ssm-ts classify: --data.nan_policy "
    "interpolate), or clean the data"
)


def padding_steps(series: np.ndarray) -> int:
    """How many steps ``series`` ``(channels, length)`` ends with that are NaN in every channel, when
    those are its only NaN (padding of unequal lengths to a common one, as tslearn's
    ``to_time_series_dataset`` and a pivot of a long table leave it); 0 otherwise."""
    missing = np.isnan(series)
    if not missing.any():
        return 0
    empty_steps = missing.all(axis=0)
    n = len(empty_steps) - int(np.flatnonzero(~empty_steps)[-1]) - 1 if not empty_steps.all() else 0
    return n if n and int(missing.sum()) == n * series.shape[0] else 0


PADDING_FIX = (
    "pass the recordings as a list of their real lengths, [x[:, ~np.isnan(x).all(axis=0)] for x in X] "
    "(recordings of unequal length need no padding: ssm-ts pads and masks them itself; in a .npz, save "
    "each recording's length as 'lengths' beside X)"
)


def _fill_nan(
    series: np.ndarray, policy: str, where: str, fix: str = NAN_FIX, names: Sequence[str] | None = None
) -> np.ndarray:
    """``series`` ``(channels, length)`` with its NaN/inf filled under ``policy`` (or a DataError naming
    the first, by channel position and, given ``names``, the channel's name)."""
    bad = ~np.isfinite(series)
    if not bad.any():
        return series

    def channel_text(c: int) -> str:
        return f"channel {c}" + (f" ({str(names[c])!r})" if names is not None and c < len(names) else "")

    channel, step = np.argwhere(bad)[0]
    if policy == "error":
        found = (
            f"{where}: {int(bad.sum())} missing or non-finite values (first at {channel_text(int(channel))}, "
            f"time step {step})"
        )
        padding = padding_steps(series)
        if padding:  # filling would extend the last value over the padding and train on it
            raise DataError(
                f"{found}: its last {padding} steps are NaN in every channel. If that is padding to a common "
                f"length, {PADDING_FIX}; if they are missing values, {fix}."
            )
        raise DataError(f"{found}; {fix}.")
    series = series.copy()
    if policy == "zero":
        series[bad] = 0.0
        return series
    steps = np.arange(series.shape[1])
    for c in range(series.shape[0]):
        ok = ~bad[c]
        if not ok.any():
            raise DataError(
                f"{where}: {channel_text(c)} has no finite value at all, so it cannot be interpolated; "
                "drop the recording or use nan_policy='zero'."
            )
        series[c] = np.interp(steps, steps[ok], series[c, ok])  # ends take the nearest value
    return series


def make_series_set(
    values: np.ndarray | Sequence[np.ndarray],
    labels: Sequence | np.ndarray | None = None,
    *,
    nan_policy: NanPolicy = "error",
    source: str = "array",
    ids: Sequence[str] | None = None,
    sampling_step: Step = None,
    channel_names: Sequence[str] | None = None,
    nan_fix: str = NAN_FIX,
) -> SeriesSet:
    """Check recordings and labels and build a :class:`SeriesSet`.

    Args:
        values: an array ``(n, channels, length)`` or a list of ``(channels, length_i)`` arrays
            (a 1-D recording is read as one channel).
        labels: one label per recording, or ``None``.
        nan_policy: what to do with NaN/inf: ``"error"`` (default), ``"interpolate"`` in time, ``"zero"``.
        source: a name for error messages.
        ids: a name per recording (default: its position).
        sampling_step: the time between samples (see :class:`SeriesSet`), kept as given.
        channel_names: a distinct name per channel, or ``None`` (unnamed: matched by position).
        nan_fix: what the error for NaN under ``"error"`` tells the caller to do (a route that takes
            the policy another way, such as the MLflow model's ``params``, names its own).

    Raises:
        DataError: no recordings, an empty recording, channel counts that differ, labels of the
            wrong length or missing, non-numeric values, NaN without a policy, or channel names
            that are repeated or do not count the channels.
    """
    if nan_policy not in NAN_POLICIES:
        raise DataError(f"unknown nan_policy {nan_policy!r}; expected one of {NAN_POLICIES}")
    shape = values.shape if isinstance(values, np.ndarray) and values.dtype != object else None
    if shape is not None:
        if values.ndim == 2:
            values = values[:, None, :]
        if values.ndim != 3:
            raise DataError(
                f"{source}: expected an array (n_recordings, channels, length), got shape {values.shape}."
            )
        items = list(values)
    else:
        items = list(values)
    if not items:
        raise DataError(f"{source}: no recordings found; the data is empty.")
    ids = [str(i) for i in (ids if ids is not None else range(len(items)))]
    checked: list[np.ndarray] = []
    for i, item in enumerate(items):
        where = f"{source}, recording {ids[i]}"
        if np.iscomplexobj(item):  # as float64 they lost their imaginary parts with a mere ComplexWarning
            raise DataError(
                f"Complex data not supported: {where} holds complex numbers; recordings must be real: keep "
                "the magnitude, np.abs(x), or give the real and imaginary parts as channels, "
                "np.concatenate([x.real, x.imag], axis=-2)."
            )
        try:
            array = np.asarray(item, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise DataError(
                f"{where}: values are not numeric ({err}); every sample must be a number."
            ) from err
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2:
            raise DataError(f"{where}: expected (channels, length), got shape {array.shape}.")
        if array.shape[1] == 0 or array.shape[0] == 0:
            raise DataError(f"{where}: the recording is empty (shape {array.shape}); remove it or fill it.")
        if checked and array.shape[0] != checked[0].shape[0]:
            raise DataError(
                f"{where}: has {counted(array.shape[0], 'channel')} but recording {ids[0]} has {checked[0].shape[0]}; "
                "every recording needs the same channels." + _transposed_list_hint(array, checked[0])
            )
        checked.append(_fill_nan(array, nan_policy, where, nan_fix, channel_names))
    names = _channel_names(channel_names, checked[0].shape[0], source)
    return SeriesSet(
        checked, _label_array(labels, len(checked), source, shape), source, ids, sampling_step, None, names
    )


def _transposed_list_hint(array: np.ndarray, first: np.ndarray) -> str:
    """For recordings whose channel counts differ: when their second axes agree instead, they are most
    likely ``(length_i, channels)``, as a list of unequal-length recordings is often kept."""
    if array.shape[1] != first.shape[1]:
        return ""
    return (
        f" Both have {first.shape[1]} on the second axis: if the recordings are (length, channels), "
        "pass [x.T for x in X] (each recording is read as (channels, length))."
    )


def _channel_names(names: Sequence[str] | None, n_channels: int, source: str) -> list[str] | None:
    if names is None:
        return None
    names = [str(name) for name in names]
    if len(names) != n_channels:
        raise DataError(
            f"{source}: {counted(len(names), 'channel name')} {names[:10]} for {counted(n_channels, 'channel')}."
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"{source}: channel name(s) {repeated} occur more than once; give each channel its own name."
        )
    return names


def channel_order(given: Sequence[str], expected: Sequence[str], source: str, fix: str = "") -> list[int]:
    """Positions in ``given`` (the channel names of some data) of each of ``expected`` (a model's
    training channel names), in that order.

    Raises:
        DataError: a channel of ``expected`` is missing from ``given``, or ``given`` has one that is
            not in ``expected``; the message names them and the expected names (``fix`` appended).
    """
    given, expected = [str(name) for name in given], [str(name) for name in expected]
    missing = [name for name in expected if name not in given]
    extra = [name for name in given if name not in expected]
    if missing or extra:
        found = []
        if missing:
            found.append(f"no channel(s) {missing}")
        if extra:
            found.append(f"channel(s) {extra} the model was not fitted on")
        raise DataError(
            f"{source}: {' and '.join(found)}; the model was fitted on the channels {expected} (found "
            f"{given}). Give recordings with exactly those channels (their order does not matter)"
            + (f"; {fix}" if fix else "")
            + "."
        )
    return [given.index(name) for name in expected]


def match_channels(data: SeriesSet, expected: Sequence[str] | None, fix: str = "") -> SeriesSet:
    """``data`` with its channels in the order of ``expected`` (a model's training channel names).

    Both named: the channels are reordered by name (``gyro, acc`` given to a model fitted on ``acc,
    gyro`` is read as ``acc, gyro``). Either unnamed (arrays, ``.ts`` files, a model fitted without
    names): ``data`` as it is, matched by position.

    Raises:
        DataError: as :func:`channel_order`: a channel missing, or one the model was not fitted on.
    """
    if expected is None or data.channel_names is None or list(data.channel_names) == list(expected):
        return data
    order = channel_order(data.channel_names, expected, data.source, fix)
    values = [v[order] for v in data.values]
    names = [str(name) for name in expected]
    return SeriesSet(values, data.labels, data.source, data.ids, data.sampling_step, data.weights, names)


def require_labels(data: SeriesSet, min_classes: int = 2) -> np.ndarray:
    """The labels of ``data``; a clear error when absent or when fewer than ``min_classes`` differ."""
    if data.labels is None:
        raise DataError(
            f"{data.source}: the data has no labels; training needs one label per recording: a .ts with "
            "'@classLabel true <classes>' and each case's label after its last ':', a .npz with y "
            "(np.savez(path, X=X, y=y)), or a CSV with a label column."
        )
    classes = np.unique(data.labels)
    if len(classes) < min_classes:
        raise DataError(
            f"{data.source}: all {len(data)} recordings have the label {str(classes[0])!r}; classification needs at "
            f"least {min_classes} classes."
        )
    return data.labels


def pad_batch(values: Sequence[np.ndarray], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pad ``(channels, length_i)`` recordings with zeros at the end.

    Returns:
        ``(x (batch, length, channels) float64, mask (batch, length) bool)``; ``length`` defaults
        to the longest recording and may not be shorter than it (nothing is truncated). ``x`` stays
        in float64: the task scales it in float64 and only then casts to the model's dtype.
    """
    longest = max(v.shape[1] for v in values)
    length = longest if length is None else length
    if length < longest:
        raise DataError(f"cannot pad to length {length}: a recording has {longest} steps (no truncation).")
    x = np.zeros((len(values), length, values[0].shape[0]), dtype=np.float64)
    mask = np.zeros((len(values), length), dtype=bool)
    for i, v in enumerate(values):
        x[i, : v.shape[1]] = v.T
        mask[i, : v.shape[1]] = True
    return x, mask
