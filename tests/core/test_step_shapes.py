"""Every SSM's own step() (the protocol, used without a block) checks u and state shapes."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import build_ssm
from ssm_ts.errors import ConfigError

CASES = {
    "s4d": ("s4d", {}),
    "s4": ("s4", {}),
    "companion": ("companion", {}),
    "shift": ("shift", {}),
    "scan-s5": ("scan", {"variant": "s5"}),
    "scan-selective": ("scan", {"variant": "selective"}),
}


@pytest.mark.parametrize("case", CASES)
@torch.no_grad()
def test_ssm_step_names_the_shapes_it_needs(case):
    """A state without its batch axis was broadcast by the DPLR, companion and S5 steps (the state
    silently changed shape); other mistakes failed deep in torch (einsum, cat)."""
    name, options = CASES[case]
    ssm = build_ssm(name, d_model=3, d_state=4, **options)
    state = ssm.default_state(2)
    pattern = rf"{type(ssm).__name__}.step: u must be \(batch, 3\) and state \(batch, "
    for u, s in [
        (torch.randn(2, 3), state[0]),  # state without its batch axis
        (torch.randn(3), state),  # u without its batch axis
        (torch.randn(2, 3), ssm.default_state(5)),  # batch sizes differ
        (torch.randn(2, 4), state),  # wrong channel count
    ]:
        with pytest.raises(ConfigError, match=pattern):
            ssm.step(u, s)
    y, new_state = ssm.step(torch.randn(2, 3), state)
    assert y.shape == (2, 3) and new_state.shape == state.shape
