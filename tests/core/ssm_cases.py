"""The SSMs every core test runs over, with options that make each one well-conditioned."""

from __future__ import annotations

SSM_CASES = {
    "diagonal-zoh": ("diagonal", {"discretization": "zoh"}),
    "diagonal-bilinear": ("diagonal", {"discretization": "bilinear", "init": "lin"}),
    "dplr": ("dplr", {}),
    "companion": ("companion", {}),
    "shift": ("shift", {}),
}
CONTINUOUS = {"diagonal-zoh", "diagonal-bilinear", "dplr"}
