"""SpaceTime's decoder multiplies contiguous copies of the reversed input and the Krylov columns (CPU bmm
on the strided views was several times slower): its horizon and every gradient are the same, bit for
bit, as the product of the strided views, for a contiguous input and for a strided one."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from ssm_ts.core import fft_causal_conv
from ssm_ts.core.conv import kernel_spectrum
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder


def _strided_reference(decoder: ClosedLoopCompanionDecoder, u: Tensor) -> list[Tensor]:
    """The decoder's three outputs with the state product taken on the strided views, as before."""
    columns, kernels, rows = decoder.parameter_terms(u.shape[1])
    spectra = [kernel_spectrum(k, u.shape[1]) for k in kernels]
    u_t = u.transpose(1, 2)
    lookback_out, next_input = (
        fft_causal_conv(u_t, k, s).transpose(1, 2) for k, s in zip(kernels, spectra, strict=True)
    )
    state = torch.bmm(u_t.flip(-1).transpose(0, 1), columns.transpose(1, 2))
    return [torch.bmm(state, rows).permute(1, 2, 0), lookback_out, next_input]


def _outputs_and_gradients(
    decoder: ClosedLoopCompanionDecoder, u: Tensor, outputs: list[Tensor]
) -> list[Tensor]:
    weights = [torch.linspace(-1, 1, o.numel()).reshape(o.shape) for o in outputs]
    loss = sum((w * o).sum() for w, o in zip(weights, outputs, strict=True))
    params = [decoder.k, *decoder.ssm.parameters()]
    grads = torch.autograd.grad(loss, [u, *params])
    return [o.detach() for o in outputs] + list(grads)


@pytest.mark.parametrize("strided_input", [False, True])
def test_decoder_outputs_and_gradients_equal_the_strided_product(strided_input: bool) -> None:
    torch.manual_seed(0)
    decoder = ClosedLoopCompanionDecoder(d_model=8, d_state=6, horizon=7)
    with torch.no_grad():
        decoder.k.normal_(std=0.1)
    base = torch.randn(5, 8, 12) if strided_input else torch.randn(5, 12, 8)
    u = (base.transpose(1, 2) if strided_input else base).requires_grad_(True)
    assert u.is_contiguous() is not strided_input
    got = _outputs_and_gradients(decoder, u, list(decoder(u)))
    want = _outputs_and_gradients(decoder, u, _strided_reference(decoder, u))
    assert len(got) == len(want) == 3 + 1 + 1 + len(list(decoder.ssm.parameters()))
    for g, w in zip(got, want, strict=True):
        assert torch.equal(g, w)
    # and the outputs are the state-by-state rollout's (to float32 rounding)
    with torch.no_grad():
        for g, r in zip(got[:3], decoder.reference_rollout(u), strict=True):
            torch.testing.assert_close(g, r, rtol=1e-4, atol=1e-5)
