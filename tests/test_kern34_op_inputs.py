"""Inputs of the kernel ops that the two back-ends would treat differently: refused up front."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.kernels import ssm_step


def test_ssm_step_refuses_a_complex_skip_term():
    """D is real like u: a complex D made y complex on the PyTorch path, while the Triton path cast it
    to real (dropping its imaginary part), so y depended on the device."""
    state = torch.zeros(2, 3, 4, dtype=torch.complex64)
    params = [torch.zeros(3, 4, dtype=torch.complex64) for _ in range(3)]
    with pytest.raises(
        ConfigError, match=r"D must be real \(H,\) = \(3,\) or None, got \(3,\) torch\.complex64"
    ):
        ssm_step(state, torch.zeros(2, 3), *params, torch.ones(3, dtype=torch.complex64), backend="torch")
    y, _ = ssm_step(state, torch.ones(2, 3), *params, torch.full((3,), 2.0), backend="torch")
    assert torch.equal(y, torch.full((2, 3), 2.0))
