"""Errors about the data raised where only its values are at hand (too few rows for the lookback, the
known-future rows a forecast lacks), named with the file or frame they came from: a daily job that
reads several files learns which one is short, as every other error about the data says."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ssm_ts.errors import DataError


@contextmanager
def data_named(name: str | None) -> Iterator[None]:
    """A :class:`DataError` raised inside starts with ``name`` (a CSV's path, or "the DataFrame"),
    unless it already does (or ``name`` is ``None``); other errors, and DataError's subclasses, pass
    unchanged. The error raised keeps ``name`` for a handler outside (:func:`named_source`)."""
    try:
        yield
    except DataError as error:
        if name is None or type(error) is not DataError:
            raise
        if str(error).startswith(name):
            error.data_name = name
            raise
        named = DataError(f"{name}: {error}")
        named.data_name = name
        raise named from error


def named_source(error: BaseException) -> str | None:
    """The name :func:`data_named` gave ``error`` (a CSV's path, "the DataFrame"); ``None``: none."""
    return getattr(error, "data_name", None)
