"""The chunked Vandermonde kernel at lengths its chunks fill exactly (c = ceil(sqrt(L)) divides L).

Since it pads one position past L there, check its values and gradients against the reference at
those lengths, and that the kernel's layout no longer depends on whether the chunks fill L (a
contiguous kernel at 36, a strided one at 33 made torch.compile guard on it and compile again)."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.kernels.vandermonde import vandermonde_reference, vandermonde_torch


def _inputs(H: int, N: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    v = torch.randn(H, N, dtype=torch.complex128, generator=generator)
    decay = -0.1 * torch.rand(H, N, dtype=torch.float64, generator=generator)
    return v, torch.complex(decay, torch.randn(H, N, dtype=torch.float64, generator=generator))


@pytest.mark.parametrize(
    ("L", "chunk"), [(1, None), (4, None), (36, None), (49, None), (1024, None), (30, 5)]
)
def test_lengths_that_fill_the_chunks_match_the_reference(L, chunk):
    v, x = _inputs(3, 4)
    leaves = v.clone().requires_grad_(), x.clone().requires_grad_()
    reference_leaves = v.clone().requires_grad_(), x.clone().requires_grad_()
    got = vandermonde_torch(*leaves, L, chunk=chunk)
    want = vandermonde_reference(*reference_leaves, L)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    weights = torch.randn(3, L, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    grads = torch.autograd.grad((got * weights).sum(), leaves)
    wanted = torch.autograd.grad((want * weights).sum(), reference_leaves)
    for grad, expected in zip(grads, wanted, strict=True):
        torch.testing.assert_close(grad, expected, rtol=1e-9, atol=1e-9)


def test_kernel_layout_is_the_same_whether_or_not_the_chunks_fill_the_length():
    v, x = _inputs(2, 3)
    layouts = {L: vandermonde_torch(v, x, L).is_contiguous() for L in (33, 35, 36, 49, 50)}
    assert len(set(layouts.values())) == 1, f"contiguous kernel by length: {layouts}"
