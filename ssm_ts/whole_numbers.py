"""The number checks of settings: the one whole-number check of settings that count (epochs, batch sizes,
seeds, windows, sizes, bits), and the real-number check of the rest (rates, fractions). Every layer may use them."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def is_whole_number(value: Any) -> bool:
    """A whole number (Python or NumPy integer), not a bool or a float."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real_number(value: object) -> bool:
    """A Python or NumPy real number (not a bool, a string or a tensor)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
