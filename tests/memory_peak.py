"""The peak memory a call allocates, for tests that bound a reader's or a model's copies."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def peak_bytes(call: Callable[[], T]) -> tuple[T, int]:
    """``(call(), the peak of the memory it allocated, in bytes)`` (tracemalloc counts NumPy's and
    pandas' buffers too)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
