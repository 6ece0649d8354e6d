"""The NumPy reader: ``.npy`` arrays and ``.npz`` archives (recordings of unequal length NaN-padded,
with their lengths); nothing is unpickled."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ssm_ts.errors import DataError

from .read_checks import existing_file
from .series import NanPolicy, SeriesSet, make_series_set


def _load_array(archive, name: str, path: Path) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as err:  # object arrays need pickle, which is never enabled (unsafe to load)
        fix = (
            "store recordings of unequal length NaN-padded as X (n, channels, max_length) with their "
            "lengths (n,) as 'lengths'"
        )
        if name == "y":  # labels from a pandas column (df["label"].to_numpy()) are saved as objects
            fix = "save the labels as text or numbers: np.savez(path, X=X, y=np.asarray(y, dtype=str))"
        raise DataError(
            f"{path}: array {name!r} cannot be read ({err}). Object arrays are not loaded (that would "
            f"unpickle); {fix}."
        ) from err


def _opened(path: Path):
    """``np.load(path)`` without unpickling; a file that is not NumPy's (empty, cut short, another
    format) is a :class:`DataError` naming it, not NumPy's EOFError or its advice to unpickle."""
    try:
        return np.load(path, allow_pickle=False)
    except (EOFError, OSError, ValueError) as err:
        if "Object arrays" in str(err):  # a .npy of objects: refused on loading (a .npz's on reading X)
            raise DataError(
                f"{path}: an object array, which is not loaded (that would unpickle); store a plain numeric "
                "array X (n, channels, length), recordings of unequal length NaN-padded in a .npz with "
                "their lengths: np.savez(path, X=X, y=y, lengths=lengths)."
            ) from err
        size = path.stat().st_size
        found = (
            "the file is empty (0 bytes)" if not size else f"not a NumPy {path.suffix} file ({size} bytes)"
        )
        raise DataError(
            f"{path}: cannot read it: {found}. Save recordings with np.save(path, X) (.npy, X (n, channels, "
            "length)) or np.savez(path, X=X, y=y) (.npz), or give --data.format for another kind of file."
        ) from err


def _trim_to_lengths(X: np.ndarray, lengths: np.ndarray, path: Path) -> list[np.ndarray]:
    """``X (n, channels, max_length)`` padded -> ``(channels, lengths[i])`` recordings."""
    if X.ndim != 3 or lengths.shape != (X.shape[0],) or lengths.dtype.kind not in "iu":
        raise DataError(
            f"{path}: 'lengths' must hold one integer per recording of X (n, channels, max_length); "
            f"found lengths {lengths.dtype} {lengths.shape}, X {X.shape}."
        )
    bad = np.flatnonzero((lengths < 1) | (lengths > X.shape[-1]))
    if len(bad):
        raise DataError(
            f"{path}: lengths[{int(bad[0])}] = {int(lengths[bad[0]])} is outside 1..{X.shape[-1]} (X's length)."
        )
    return [X[i, :, : int(n)] for i, n in enumerate(lengths)]


def read_numpy(path: str | os.PathLike, nan_policy: NanPolicy = "error") -> SeriesSet:
    """``.npy`` holding ``(n, channels, length)``, or ``.npz`` with ``X`` (that array) and optional
    ``y`` labels ``(n,)`` and ``lengths`` ``(n,)``: recordings of unequal length, NaN-padded at the
    end in ``X`` ``(n, channels, max_length)``, recording ``i`` being ``X[i, :, :lengths[i]]``.
    Nothing is unpickled, so object arrays cannot be read."""
    path = existing_file(path)
    if path.suffix.lower() != ".npz":  # DATA.NPZ too, as read_series detects it
        try:
            return make_series_set(_opened(path), None, nan_policy=nan_policy, source=str(path))
        except ValueError as err:
            if isinstance(err, DataError):
                raise
            raise DataError(f"{path}: cannot read ({err}); store a plain numeric array.") from err
    with _opened(path) as archive:
        if "X" not in archive:
            raise DataError(
                f"{path}: no array 'X' inside (found {list(archive.keys())}); save the recordings as "
                "np.savez(path, X=..., y=...)."
            )
        X = _load_array(archive, "X", path)
        y = _load_array(archive, "y", path) if "y" in archive else None
        lengths = _load_array(archive, "lengths", path) if "lengths" in archive else None
    values = X if lengths is None else _trim_to_lengths(X, lengths, path)
    return make_series_set(values, y, nan_policy=nan_policy, source=str(path))
