"""The one whole-number check of settings that count (epochs, batch sizes, seeds, windows, sizes, bits)."""

from __future__ import annotations

from typing import Any

import numpy as np


def is_whole_number(value: Any) -> bool:
    """A whole number (Python or NumPy integer), not a bool or a float."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
