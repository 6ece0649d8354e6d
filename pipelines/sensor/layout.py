"""Catching recordings given as ``(n, length, channels)`` where ``(n, channels, length)`` is meant.

ssm-ts reads an array ``(n, channels, length)``, aeon's ``(n_cases, n_channels, n_timepoints)``
layout. An array saved the other way round (as Keras, tslearn and most loggers keep it) has the same
number of dimensions, so nothing fails on its own: a fit on GunPoint ``(50, 150, 1)`` trains on 150
channels of one step each and predicts without complaint. These helpers name the slip: a warning
when every training recording has fewer steps than channels, and a hint in the channel-count error
of predict when the recordings' length is the number of channels the model was fitted on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ssm_ts.rank_zero_warnings import warn_on_rank_zero


class LayoutWarning(UserWarning):
    """Training recordings that look transposed: every one has fewer time steps than channels.
    Recordings that really are so (many channels, few steps) may ignore it:
    ``warnings.filterwarnings("ignore", category=LayoutWarning)``."""


_LAYOUT = "recordings are read as (n, channels, length), aeon's (n_cases, n_channels, n_timepoints)"


def warn_if_transposed(values: Sequence[np.ndarray], source: str, stacklevel: int | None = 2) -> None:
    """Warn (:class:`LayoutWarning`) when every recording ``(channels, length_i)`` of ``values`` has
    fewer steps than channels: most likely an array ``(n, length, channels)``. ``stacklevel``: the
    caller's caller by default; ``None``: the user's line."""
    if not len(values):
        return
    channels = int(values[0].shape[0])
    longest = max(int(v.shape[1]) for v in values)
    if longest >= channels:
        return
    warn_on_rank_zero(
        f"{source}: every recording has more channels ({channels}) than time steps (at most {longest}); "
        f"{_LAYOUT}. If yours are (n, length, channels), {transpose_fix(source)}; if they really have more "
        "channels than steps, ignore this LayoutWarning.",
        LayoutWarning,
        stacklevel=None if stacklevel is None else stacklevel + 1,
    )


PASS_TRANSPOSED = "pass X.transpose(0, 2, 1) (a list: [x.T for x in X])"


def transpose_fix(source: str) -> str:
    """How to give recordings ``(n, length, channels)`` as ``(n, channels, length)``: for a ``.npy`` or
    ``.npz`` file ``source`` (given by path, as to the CLI, where no array is passed), the lines that
    save it again transposed, with its path; else the call that passes an array so."""
    path = str(source)
    if path.lower().endswith(".npy"):
        return f"save the file transposed: X = np.load({path!r}); np.save({path!r}, X.transpose(0, 2, 1))"
    if path.lower().endswith(".npz"):
        return (
            f"save the file's X transposed: data = dict(np.load({path!r})); X = data.pop('X'); "
            f"np.savez({path!r}, X=X.transpose(0, 2, 1), **data)"
        )
    return PASS_TRANSPOSED


def transposed_hint(
    lengths: Sequence[int] | np.ndarray, expected_channels: int, source: str = "", fix: str | None = None
) -> str:
    """A sentence for a channel-count error: when every recording's length (``lengths``, steps) is the
    number of channels the model was fitted on, the recordings are most likely ``(n, length,
    channels)``; otherwise ``""``. ``source``: the file they were read from (a ``.npy``/``.npz`` file
    is saved again transposed; arrays are passed so); ``fix``: the line to give instead (an input
    that has no ``transpose``)."""
    lengths = np.asarray(lengths)
    if len(lengths) == 0 or not (lengths == expected_channels).all():
        return ""
    return (
        f" Every recording has {expected_channels} time steps, the model's channel count: they look "
        f"transposed ({_LAYOUT}); {fix or transpose_fix(source)}."
    )


def one_recording_hint(n_recordings: int, n_channels: int, expected_channels: int) -> str:
    """A sentence for a channel-count error: when ``n_recordings`` recordings of one channel each are
    as many as the channels the model was fitted on (``expected_channels`` > 1), they are most likely
    one recording saved as a 2-D array ``(channels, length)``, which is read as ``(n, length)``;
    otherwise ``""``."""
    if n_channels != 1 or expected_channels < 2 or n_recordings != expected_channels:
        return ""
    return (
        f" If the file is one recording of {expected_channels} channels saved as a 2-D array (channels, "
        f"length): a 2-D array is read as (n, length), {n_recordings} recordings of one channel; save it as "
        "(1, channels, length): np.save(path, x[None])."
    )


def recordings_axis_hint(
    shape: tuple[int, ...] | None, n_labels: int, source: str = "", torch: bool = False
) -> str:
    """A sentence for a label-count error: when the array of recordings (``shape``, 2-D or 3-D) is not
    as long as the labels (``n_labels``) on its first axis but is on another, its recordings most likely
    lie along that one (an array ``(length, n)``, or ``(channels, n, length)``); otherwise ``""``.
    ``source``: the ``.npy``/``.npz`` file they were read from (saved again so); ``torch``: the array is a
    tensor (``movedim``, not ``np.moveaxis``)."""
    if shape is None or len(shape) not in (2, 3) or shape[0] == n_labels:
        return ""
    axis = next((k for k in range(1, len(shape)) if shape[k] == n_labels), None)
    if axis is None:
        return ""
    if len(shape) == 2:
        move = "X.T"
    else:
        move = f"X.movedim({axis}, 0)" if torch else f"np.moveaxis(X, {axis}, 0)"
    fix = (
        f"save the file's X with them on its first axis, {move}"
        if str(source).lower().endswith((".npy", ".npz"))
        else f"pass {move}"
    )
    return (
        f" X has shape {tuple(shape)}, and its axis {axis} is as long as the labels: if that axis holds the "
        f"recordings, {fix} (the recordings lie along the first axis: (n, channels, length), or (n, length) "
        "for one channel)."
    )


# a recording per column changes less down its columns than along its rows by far (the archives' sets
# transposed: 0.73 of it at most, ItalyPowerDemand; noise: as much); a quarter less at least warns
_SMOOTHER_COLUMNS = 0.8


def _columns_look_like_series(values: np.ndarray) -> bool:
    """Whether the 2-D array ``values`` ``(a, b)`` changes less from row to row than from column to
    column (mean absolute step, :data:`_SMOOTHER_COLUMNS`): its columns, not its rows, look like time
    series. An array of one row or column shows nothing: ``True``."""
    if min(values.shape) < 2:
        return True
    down = np.nanmean(np.abs(np.diff(values, axis=0)))
    along = np.nanmean(np.abs(np.diff(values, axis=1)))
    return bool(down < _SMOOTHER_COLUMNS * along)


def warn_if_columns_are_recordings(recordings: Sequence[np.ndarray], fit_length: int | None) -> None:
    """Warn (:class:`LayoutWarning`) when the one-channel recordings to classify of a 2-D array
    (``recordings``: its ``a`` rows, each ``(1, b)``, read as ``a`` recordings of ``b`` steps) are as many
    as the training recordings had steps (``fit_length``, their common length), of another length, and
    change less down the array's columns than along its rows: most likely ``(length, n)``, a column per
    recording, which predict reads silently as ``a`` recordings (no labels to count). The shape alone
    also fits ``a`` recordings of another length (GunPoint's 150 test recordings cropped to 30 steps):
    silent."""
    if fit_length is None or len(recordings) != fit_length:
        return
    rows, steps = len(recordings), int(recordings[0].shape[-1])
    if steps == fit_length or not _columns_look_like_series(np.concatenate(recordings)):
        return
    warn_on_rank_zero(
        f"X has shape {(rows, steps)}: read as {rows} recordings of {steps} steps, but the classifier was "
        f"fitted on recordings of {fit_length} steps, as many as X has rows, and X's values change less down "
        "its columns than along its rows. If X holds a recording per column (length, n), pass X.T (a 2-D X "
        "is read as (n, length), aeon's (n_cases, n_timepoints)); if it really holds recordings of another "
        "length, ignore this LayoutWarning.",
        LayoutWarning,
        stacklevel=None,
    )
