"""A researcher's own SSM, written to the documented protocol (kernel, default_state, step) only."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from ssm_ts.core import SSM, SSMBlock


class ExponentialAverage(SSM):
    """``y_t = sum_s a^(t-s) u_s`` per channel: state (H, 1), no ``dense_discrete``."""

    def __init__(self, *, d_model: int, d_state: int = 1):
        super().__init__()
        self.d_model, self.d_state = d_model, 1
        self.logit = nn.Parameter(torch.zeros(d_model))

    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        return torch.sigmoid(self.logit).unsqueeze(-1) ** torch.arange(L)

    def default_state(self, *batch_shape: int) -> Tensor:
        return torch.zeros(*batch_shape, self.d_model, 1)

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        state = torch.sigmoid(self.logit).unsqueeze(-1) * state + u.unsqueeze(-1)
        return state[..., 0], state


@torch.no_grad()
def test_a_protocol_only_ssm_runs_and_steps_in_a_block():
    block = SSMBlock(d_model=3, ssm=ExponentialAverage(d_model=3), d_state=1).eval()
    x = torch.randn(2, 7, 3)
    state, steps = block.default_state(2), []
    for t in range(7):
        y, state = block.step(x[:, t], state)
        steps.append(y)
    torch.testing.assert_close(torch.stack(steps, 1), block(x))


@torch.no_grad()
def test_continuing_a_state_without_dense_discrete_says_what_to_implement():
    """It raised a bare NotImplementedError (no message) from deep inside the base class."""
    block = SSMBlock(d_model=3, ssm=ExponentialAverage(d_model=3), d_state=1).eval()
    x = torch.randn(2, 7, 3)
    with pytest.raises(NotImplementedError, match=r"ExponentialAverage has no dense_discrete.*final_state"):
        block(x, return_state=True)
    with pytest.raises(
        NotImplementedError, match=r"ExponentialAverage has no dense_discrete.*state_response"
    ):
        block(x, state=block.default_state(2))
