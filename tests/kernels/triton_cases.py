"""Every Triton op against its float64 reference (values and gradients), on the CPU under the
interpreter or compiled on CUDA.

Not collected directly (the name does not start with ``test_``): ``test_triton_kernels.py`` runs
this module in a subprocess, once with ``TRITON_INTERPRET=1`` (CPU tensors, always) and once
without it when a GPU is present (every tensor made on CUDA, the kernels compiled). A subprocess,
because the variable must be set before Triton kernels are defined and the default device must not
leak into the rest of the suite. By hand: ``TRITON_INTERPRET=1 pytest tests/kernels/triton_cases.py``
(CPU) or ``pytest tests/kernels/triton_cases.py`` on a machine with a GPU.

Shapes are small (a few dozen programs per case) and deliberately not multiples of the blocks.
Outputs are pre-filled with NaN (``torch.empty`` is patched to ``torch.full(nan)`` while the
kernels run), so any element a kernel fails to write shows up as a mismatch.
"""

from __future__ import annotations

import contextlib
import math
import mmap
import os
import sys
import warnings

import pytest
import torch
import triton

from ssm_ts.errors import KernelBackendError
from ssm_ts.kernels import (
    cauchy,
    cauchy_reference,
    diag_scan,
    diag_scan_reference,
    ssm_step,
    ssm_step_reference,
    vandermonde,
    vandermonde_reference,
)

INTERPRETED = os.environ.get("TRITON_INTERPRET") == "1"
if not INTERPRETED and not torch.cuda.is_available():  # pragma: no cover - guarded run by hand
    raise RuntimeError(
        "run this module with TRITON_INTERPRET=1 on the CPU, or on a machine with a GPU "
        "(tests/kernels/test_triton_kernels.py does both)"
    )
# Compiled kernels need CUDA tensors: every tensor below is made on the GPU unless interpreting.
torch.set_default_device("cpu" if INTERPRETED else "cuda")

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # masked lanes in numpy

C128, F64 = torch.complex128, torch.float64


@contextlib.contextmanager
def nan_filled_outputs():
    """Make every torch.empty / empty_like inside the launchers return NaN-filled memory."""
    real_empty, real_empty_like = torch.empty, torch.empty_like

    def fill(t: torch.Tensor) -> torch.Tensor:
        if t.is_floating_point() or t.is_complex():
            t.fill_(float("nan"))
        return t

    torch.empty = lambda *a, **k: fill(real_empty(*a, **k))
    torch.empty_like = lambda *a, **k: fill(real_empty_like(*a, **k))
    try:
        yield
    finally:
        torch.empty, torch.empty_like = real_empty, real_empty_like


def leaf(t: torch.Tensor) -> torch.Tensor:
    return t.detach().clone().requires_grad_(True)


def grads_of(
    fn, inputs: list[torch.Tensor], weights: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    leaves = [leaf(t) for t in inputs]
    with nan_filled_outputs():
        out = fn(*leaves)
        grads = torch.autograd.grad((out * weights.to(out.dtype)).real.sum(), leaves)
    return out.detach(), list(grads)


def assert_close(a: torch.Tensor, b: torch.Tensor, rtol: float, name: str) -> None:
    a, b = a.to(b.dtype), b
    assert not torch.isnan(a).any(), f"{name}: NaN in the Triton result (an element was never written)"
    err = (a - b).abs().max().item()
    scale = b.abs().max().item() + 1e-30
    assert err <= rtol * scale, f"{name}: max error {err:.3g} vs scale {scale:.3g} (rtol {rtol})"


def stable_exponents(H: int, N: int) -> torch.Tensor:
    return torch.complex(-torch.rand(H, N, dtype=F64) * 0.1 - 1e-3, torch.randn(H, N, dtype=F64))


# --- vandermonde -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [C128, torch.complex64])
@pytest.mark.parametrize(("H", "N", "L"), [(2, 5, 37), (3, 17, 300), (1, 1, 1)])
def test_vandermonde_forward_and_backward(H, N, L, dtype):
    v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
    weights = torch.randn(H, L, dtype=F64)
    out, grads = grads_of(
        lambda v, x: vandermonde(v, x, L, backend="triton"), [v.to(dtype), x.to(dtype)], weights
    )
    ref_out, ref_grads = grads_of(lambda v, x: vandermonde_reference(v, x, L), [v, x], weights)
    rtol = 1e-10 if dtype == C128 else 2e-5
    assert out.shape == (H, L) and not out.is_complex()
    assert_close(out, ref_out, rtol, "K")
    assert_close(grads[0], ref_grads[0], rtol, "grad v")
    if L > 1:  # at L = 1 the kernel does not depend on x
        assert_close(grads[1], ref_grads[1], rtol, "grad x")


def test_vandermonde_long_float32():
    """L >= 4096 in float32 takes the tensor-core settings on CUDA (tl.dot in tf32x3): still about
    fp32 accurate. The bound is looser than above because sums over thousands of positions carry
    float32 rounding of ~1e-5 in the exponentials themselves (ieee products measured the same)."""
    H, N, L = 2, 32, 4500
    v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
    weights = torch.randn(H, L, dtype=F64)
    out, grads = grads_of(
        lambda v, x: vandermonde(v, x, L, backend="triton"),
        [v.to(torch.complex64), x.to(torch.complex64)],
        weights,
    )
    ref_out, ref_grads = grads_of(lambda v, x: vandermonde_reference(v, x, L), [v, x], weights)
    assert_close(out, ref_out, 1e-4, "K")
    assert_close(grads[0], ref_grads[0], 2e-4, "grad v")
    assert_close(grads[1], ref_grads[1], 2e-4, "grad x")


@pytest.mark.parametrize("dtype", [C128, torch.complex64])
@pytest.mark.parametrize(("C", "BLOCK_K"), [(16, 16), (32, 64)])
def test_vandermonde_factored_and_direct_exponentials_agree(C, BLOCK_K, dtype):
    """The exponential tables as products of two smaller ones (factor 1, the backward's default) and
    evaluated entry by entry (factor 0, the forward's) give the same kernel and gradients, each
    against the reference, forward and backward alike."""
    from ssm_ts.kernels.triton import vandermonde as module

    H, N, L = 2, 20, 3 * C * BLOCK_K + 7  # several programs per row, the last one partly masked
    v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
    weights = torch.randn(H, L, dtype=F64)
    ref_out, ref_grads = grads_of(lambda v, x: vandermonde_reference(v, x, L), [v, x], weights)
    rtol = 1e-10 if dtype == C128 else 1e-4
    for factor in (0, 1):
        module.TUNING.update(
            C=C, BLOCK_K=BLOCK_K, factor=factor, bwd_C=C, bwd_BLOCK_K=BLOCK_K, bwd_factor=factor
        )
        try:
            out, grads = grads_of(
                lambda v, x: vandermonde(v, x, L, backend="triton"), [v.to(dtype), x.to(dtype)], weights
            )
        finally:
            module.TUNING.clear()
        assert_close(out, ref_out, rtol, f"K, factor {factor}")
        assert_close(grads[0], ref_grads[0], rtol, f"grad v, factor {factor}")
        assert_close(grads[1], ref_grads[1], rtol, f"grad x, factor {factor}")


# --- cauchy ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("v_shape", "z_shape", "w_shape"),
    [
        ((6,), (9,), (6,)),
        ((4, 6), (4, 9), (1, 6)),
        ((2, 3, 5), (3, 37), (3, 5)),
        ((2, 1, 20), (1, 19), (1, 20)),
    ],
)
def test_cauchy_forward_and_backward(v_shape, z_shape, w_shape):
    v, z, w = (torch.randn(s, dtype=C128) for s in (v_shape, z_shape, w_shape))
    out_shape = torch.broadcast_shapes(v_shape[:-1], z_shape[:-1], w_shape[:-1]) + (z_shape[-1],)
    weights = torch.randn(out_shape, dtype=C128)
    out, grads = grads_of(lambda v, z, w: cauchy(v, z, w, backend="triton"), [v, z, w], weights)
    ref_out, ref_grads = grads_of(cauchy_reference, [v, z, w], weights)
    assert out.shape == out_shape
    assert_close(out, ref_out, 1e-10, "out")
    for name, g, r in zip(("v", "z", "w"), grads, ref_grads, strict=True):
        assert_close(g, r, 1e-10, f"grad {name}")


def test_cauchy_float32():
    v, z, w = (torch.randn(s, dtype=C128) for s in ((3, 11), (3, 21), (3, 11)))
    out = cauchy(v.to(torch.complex64), z.to(torch.complex64), w.to(torch.complex64), backend="triton")
    assert out.dtype == torch.complex64
    assert_close(out, cauchy_reference(v, z, w), 1e-4, "out")


# --- ssm_step ----------------------------------------------------------------------------------
def step_inputs(B: int, H: int, N: int, with_D: bool) -> list[torch.Tensor | None]:
    state = torch.randn(B, H, N, dtype=C128)
    u = torch.randn(B, H, dtype=F64)
    dA = torch.polar(torch.rand(H, N, dtype=F64), torch.randn(H, N, dtype=F64))
    dB, C = torch.randn(H, N, dtype=C128), torch.randn(H, N, dtype=C128)
    D = torch.randn(H, dtype=F64) if with_D else None
    return [state, u, dA, dB, C, D]


STEP_SHAPES = [(3, 5, 7, True), (2, 4, 100, False), (1, 1, 1, True), (4, 9, 33, True)]


@pytest.mark.parametrize("dtype", [C128, torch.complex64])
@pytest.mark.parametrize(("B", "H", "N", "with_D"), STEP_SHAPES)
def test_ssm_step_forward(B, H, N, with_D, dtype):
    inputs = step_inputs(B, H, N, with_D)
    real = torch.float64 if dtype == C128 else torch.float32
    cast = [None if t is None else t.to(dtype if t.is_complex() else real) for t in inputs]
    with nan_filled_outputs():
        y, new_state = ssm_step(*cast, backend="triton")
    y_ref, state_ref = ssm_step_reference(*inputs)
    rtol = 1e-12 if dtype == C128 else 1e-5
    assert y.dtype == real and new_state.dtype == dtype
    assert_close(y, y_ref, rtol, "y")
    assert_close(new_state, state_ref, rtol, "state")


@pytest.mark.parametrize(("B", "H", "N", "with_D"), STEP_SHAPES)
def test_ssm_step_backward(B, H, N, with_D):
    inputs = step_inputs(B, H, N, with_D)
    present = [t for t in inputs if t is not None]
    w_y, w_state = torch.randn(B, H, dtype=F64), torch.randn(B, H, N, dtype=C128)

    def grads(backend: str) -> list[torch.Tensor]:
        leaves = [leaf(t) for t in present]
        args = leaves + ([] if with_D else [None])
        with nan_filled_outputs():
            if backend == "reference":
                y, new_state = ssm_step_reference(*args)
            else:
                y, new_state = ssm_step(*args, backend="triton")
            loss = (y * w_y).sum() + (new_state * w_state).real.sum()
            return list(torch.autograd.grad(loss, leaves))

    names = ["state", "u", "dA", "dB", "C", "D"]
    for name, g, r in zip(names, grads("triton"), grads("reference"), strict=False):
        assert g.dtype == r.dtype, f"grad {name} dtype"
        assert_close(g, r, 1e-12, f"grad {name}")


def test_ssm_step_gradient_through_a_recurrent_rollout():
    """Ten chained steps (truncated BPTT): gradients reach the first state and every parameter."""
    state, u, dA, dB, C, D = step_inputs(2, 3, 6, True)
    inputs = torch.randn(10, 2, 3, dtype=F64)

    def rollout(step, state, dA, dB, C, D):
        total = 0
        for u_t in inputs:
            y, state = step(state, u_t, dA, dB, C, D)
            total = total + y.pow(2).sum()
        return total

    leaves = [leaf(t) for t in (state, dA, dB, C, D)]
    with nan_filled_outputs():
        got = torch.autograd.grad(rollout(lambda *a: ssm_step(*a, backend="triton"), *leaves), leaves)
    ref_leaves = [leaf(t) for t in (state, dA, dB, C, D)]
    want = torch.autograd.grad(rollout(ssm_step_reference, *ref_leaves), ref_leaves)
    for g, r in zip(got, want, strict=True):
        assert_close(g, r, 1e-11, "rollout gradient")


# --- diag_scan ---------------------------------------------------------------------------------
def scan_inputs(B: int, L: int, D: int, kind: str) -> list[torch.Tensor]:
    if kind == "complex":
        a = torch.polar(torch.rand(B, L, D, dtype=F64), torch.randn(B, L, D, dtype=F64))
        b = torch.randn(B, L, D, dtype=C128)
        h0 = torch.randn(B, D, dtype=C128)
    else:
        a, b, h0 = (
            torch.rand(B, L, D, dtype=F64),
            torch.randn(B, L, D, dtype=F64),
            torch.randn(B, D, dtype=F64),
        )
        if kind == "real a, complex b":
            b = torch.randn(B, L, D, dtype=C128)
    return [a, b, h0]


@pytest.mark.parametrize("kind", ["real", "complex", "real a, complex b"])
@pytest.mark.parametrize(("B", "L", "D", "with_h0"), [(2, 37, 5, True), (1, 50, 17, False), (2, 1, 3, True)])
def test_diag_scan_forward_and_backward(B, L, D, with_h0, kind):
    a, b, h0 = scan_inputs(B, L, D, kind)
    inputs = [a, b, h0] if with_h0 else [a, b]
    weights = torch.randn(B, L, D, dtype=C128 if b.is_complex() else F64)
    out, grads = grads_of(lambda *t: diag_scan(*t, backend="triton"), inputs, weights)
    ref_out, ref_grads = grads_of(diag_scan_reference, inputs, weights)
    assert out.shape == (B, L, D) and out.dtype == ref_out.dtype
    assert_close(out, ref_out, 1e-12, "h")
    for name, g, r in zip(("a", "b", "h0"), grads, ref_grads, strict=False):
        assert g.dtype == r.dtype, f"grad {name} dtype"
        assert_close(g, r, 1e-12, f"grad {name}")


def test_diag_scan_float32_long_sequence():
    a, b, h0 = (t.float() for t in scan_inputs(1, 200, 3, "real"))
    a = 0.9 + 0.1 * a  # slow decay: the carry matters across many chunks
    out = diag_scan(a, b, h0, backend="triton")
    assert out.dtype == torch.float32
    assert_close(out, diag_scan_reference(a.double(), b.double(), h0.double()), 1e-5, "h")


def test_diag_scan_half_precision_comes_back_in_the_input_dtype():
    """Computed in float32, returned as bfloat16 like the PyTorch path: a selective SSM in bfloat16
    multiplied float32 states by bfloat16 read-outs ('expected scalar type Float')."""
    a, b, h0 = (leaf(t.bfloat16()) for t in scan_inputs(2, 9, 3, "real"))
    out = diag_scan(a, b, h0, backend="triton")
    assert out.dtype == torch.bfloat16
    assert_close(out.double(), diag_scan_reference(a.double(), b.double(), h0.double()), 1e-2, "h")
    out.float().sum().backward()
    assert a.grad.dtype == b.grad.dtype == h0.grad.dtype == torch.bfloat16


# --- the scan SSM layer on the Triton scan -----------------------------------------------------
@pytest.mark.parametrize("variant", ["s5", "selective"])
def test_diagonal_scan_ssm_on_triton_matches_the_torch_path(variant):
    from ssm_ts.core import DiagonalScanSSM

    torch.manual_seed(0)
    ssm = DiagonalScanSSM(d_model=3, d_state=4, variant=variant).double()
    u = torch.randn(2, 19, 3, dtype=F64)
    outputs, grads = {}, {}
    for backend in ("torch", "triton"):
        ssm.backend = backend
        ssm.zero_grad()
        with nan_filled_outputs():
            y, final = ssm.forward_sequence(u)
            y.pow(2).sum().backward()
        outputs[backend] = (y.detach(), final.detach())
        grads[backend] = [p.grad.clone() for p in ssm.parameters()]
    assert_close(outputs["triton"][0], outputs["torch"][0], 1e-10, "y")
    assert_close(outputs["triton"][1], outputs["torch"][1], 1e-10, "final state")
    for g, r in zip(grads["triton"], grads["torch"], strict=True):
        assert_close(g, r, 1e-9, "parameter gradient")


# --- empty and singleton axes, non-contiguous inputs ----------------------------------------------
@pytest.mark.parametrize(("H", "N", "L"), [(2, 3, 0), (0, 3, 5), (2, 0, 5), (1, 1, 2)])
def test_vandermonde_empty_and_singleton_axes(H, N, L):
    v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
    with nan_filled_outputs():
        out = vandermonde(v, x, L, backend="triton")
    assert out.shape == (H, L)
    if out.numel():
        assert_close(out, vandermonde_reference(v, x, L), 1e-12, "K")


def test_vandermonde_real_inputs_match_the_torch_path():
    v, x = torch.randn(2, 3, dtype=F64), -torch.rand(2, 3, dtype=F64)
    with nan_filled_outputs():
        out = vandermonde(v, x, 9, backend="triton")
    assert_close(out, vandermonde(v, x, 9, backend="torch"), 1e-12, "K")


@pytest.mark.parametrize("dtype", [F64, torch.float32])
def test_cauchy_real_inputs_give_a_real_product_as_on_the_torch_path(dtype):
    """The Triton path returned complex for real inputs, where the reference and PyTorch path are real."""
    v, z, w = (
        torch.randn(2, 3, dtype=dtype),
        torch.randn(2, 5, dtype=dtype),
        torch.randn(2, 3, dtype=dtype) + 4,
    )
    with nan_filled_outputs():
        out = cauchy(v, z, w, backend="triton")
    expected = cauchy(v, z, w, backend="torch")
    assert out.dtype == expected.dtype == dtype
    assert_close(out, expected, 1e-12 if dtype == F64 else 1e-5, "cauchy")


@pytest.mark.parametrize(
    ("v_shape", "z_shape", "w_shape"), [((2, 1), (2, 0), (2, 1)), ((0, 3), (0, 4), (0, 3))]
)
def test_cauchy_empty_axes(v_shape, z_shape, w_shape):
    v, z, w = (torch.randn(s, dtype=C128) for s in (v_shape, z_shape, w_shape))
    out = cauchy(v, z, w, backend="triton")
    assert out.shape == cauchy_reference(v, z, w).shape and out.numel() == 0


def test_transposed_and_broadcast_inputs_are_read_by_their_strides():
    """Views a model hands the kernels (transposed states, expanded parameters, strided scans)."""
    state = torch.randn(3, 2, 4, dtype=C128).transpose(0, 1)
    u = torch.randn(2, 3, dtype=F64)
    dA, dB, C = torch.randn(1, 4, dtype=C128).expand(3, 4), *(torch.randn(3, 4, dtype=C128) for _ in range(2))
    with nan_filled_outputs():
        y, new_state = ssm_step(state, u, dA, dB, C, backend="triton")
    y_ref, state_ref = ssm_step_reference(state, u, dA, dB, C)
    assert_close(y, y_ref, 1e-12, "y")
    assert_close(new_state, state_ref, 1e-12, "state")
    a = torch.rand(3, 5, 2, dtype=F64).transpose(0, 2)
    b = torch.randn(1, 1, 3, dtype=F64).expand(2, 5, 3)
    with nan_filled_outputs():
        out = diag_scan(a, b, backend="triton")
    assert_close(out, diag_scan_reference(a, b), 1e-12, "h")


@pytest.mark.parametrize(("B", "L", "D"), [(0, 3, 2), (2, 0, 3), (2, 3, 0)])
def test_diag_scan_empty_axes(B, L, D):
    a, b = torch.rand(B, L, D, dtype=F64), torch.randn(B, L, D, dtype=F64)
    assert diag_scan(a, b, backend="triton").shape == (B, L, D)


@pytest.mark.parametrize(("B", "H", "N"), [(0, 2, 3), (2, 0, 3), (2, 3, 0)])
def test_ssm_step_empty_axes(B, H, N):
    state, u, dA, dB, C, D = step_inputs(B, H, N, True)
    y, new_state = ssm_step(state, u, dA, dB, C, D, backend="triton")
    y_ref, _ = ssm_step_reference(state, u, dA, dB, C, D)
    assert new_state.shape == (B, H, N)
    if y.numel():  # with N = 0, y is the skip term alone
        assert_close(y, y_ref, 1e-12, "y")


# --- double backward (gradient penalties, MAML) --------------------------------------------------
# The backward kernels' gradients carry no graph: differentiating them again silently gave 0 for
# their part (a wrong second derivative, no error). Under create_graph each op's backward now
# takes its gradients from the PyTorch path (the scan: from itself), which have a graph.
def test_double_backward_of_every_op():
    torch.manual_seed(4)
    v, x = leaf(torch.randn(1, 2, dtype=C128)), leaf(stable_exponents(1, 2))
    assert second_derivatives_match(lambda v, x: vandermonde(v, x, 3, backend="triton"), (v, x))
    v, z, w = (leaf(torch.randn(s, dtype=C128)) for s in ((1, 2), (1, 3), (1, 2)))
    assert second_derivatives_match(lambda v, z, w: cauchy(v, z, w, backend="triton"), (v, z, w))
    step = [leaf(t) for t in step_inputs(1, 1, 2, True)]
    assert second_derivatives_match(lambda *t: ssm_step(*t, backend="triton"), step)
    for kind in ("real", "complex"):
        scan = [leaf(t) for t in scan_inputs(1, 3, 1, kind)]
        assert second_derivatives_match(lambda *t: diag_scan(*t, backend="triton"), scan)


def second_derivatives_match(fn, inputs) -> bool:
    """gradgradcheck in fast mode: one random projection of the second-derivative Jacobian against
    finite differences, not every column of it. A missing part (the zero the old backward gave)
    still fails it; the interpreter's per-launch cost makes the full check twice as slow."""
    return torch.autograd.gradgradcheck(fn, inputs, fast_mode=True)


# --- offsets past 2^31 - 1 (int64 indexing) ----------------------------------------------------
# A tensor of more than 2^31 floats, on an anonymous mapping that reserves no memory: only the
# pages a test writes or a kernel touches are ever allocated, so a 16 GB input costs a few pages.
# The kernels are launched directly with a truncated grid or chunk count, so they touch a few rows
# at the far end (offsets past 2^31 - 1, which wrapped to negative in int32) and nothing else.
MAP_NORESERVE = getattr(mmap, "MAP_NORESERVE", 0x4000)  # Linux's value; Python < 3.13 lacks the name
HUGE = INTERPRETED and sys.platform == "linux"  # needs host memory the interpreter reads directly


def sparse_tensor(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """An uninitialised CPU tensor of ``shape`` whose untouched pages cost no memory."""
    numel = math.prod(shape)
    itemsize = torch.empty(0, dtype=dtype).element_size()
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_NORESERVE
    buffer = mmap.mmap(-1, numel * itemsize, flags=flags)
    return torch.frombuffer(buffer, dtype=dtype, count=numel).view(shape)


if HUGE:

    def test_sparse_tensors_really_are_past_int32():
        t = sparse_tensor(3, 2**30)
        t[2, -1] = 5.0
        assert t.numel() > 2**31 and t[2, -1].item() == 5.0 and t[0, 0].item() == 0.0

    @pytest.mark.parametrize("reverse", [False, True])
    @pytest.mark.parametrize("is_complex", [False, True])
    def test_diag_scan_kernel_indexes_past_int32(reverse, is_complex):
        """Two batch elements of L steps with (L - 1) D W >= 2^31: batch 1 starts past 2^31 - 1
        floats (the forward chunk tests the batch base) and the reverse scan's first chunk, the last
        steps of batch 0, sits there too (the time base)."""
        from ssm_ts.kernels.triton.diag_scan import _diag_scan_kernel

        B, D, T, W = 2, 3, 16, 2 if is_complex else 1
        L = 2**31 // (D * W) + 5
        assert (L - 1) * D * W > 2**31
        steps = slice(L - T, L) if reverse else slice(0, T)
        dtype = torch.complex64 if is_complex else torch.float32
        a, b, out = (sparse_tensor(B, L, D, W) for _ in range(3))
        a_rows, b_rows, h0 = scan_inputs(B, T, D, "complex" if is_complex else "real")
        for big, rows in ((a, a_rows), (b, b_rows)):
            big[:, steps] = torch.view_as_real(rows.to(dtype)) if is_complex else rows.float().unsqueeze(-1)
        h0_flat = torch.view_as_real(h0.to(dtype)) if is_complex else h0.float()
        _diag_scan_kernel[(B, 1)](
            a, b, h0_flat.contiguous(), out, L, D,
            IS_COMPLEX=is_complex, W=W, HAS_H0=True, REVERSE=reverse, NUM_CHUNKS=1, BLOCK_T=T, BLOCK_D=4,
        )  # fmt: skip
        got = out[:, steps]
        got = torch.view_as_complex(got) if is_complex else got.squeeze(-1)
        if reverse:
            want = diag_scan_reference(a_rows.flip(1), b_rows.flip(1), h0).flip(1)
        else:
            want = diag_scan_reference(a_rows, b_rows, h0)
        assert_close(got, want, 1e-5, "h past 2^31 floats")


def test_diag_scan_refuses_more_channels_than_its_32_bit_step_offsets_hold():
    """The only int32 offsets left are the channels within one time step: D W < 2^31. Expanded
    (stride-0) inputs: the refusal comes before anything of that size is allocated."""
    from ssm_ts.kernels.triton.diag_scan import check_diag_scan_offsets, launch_settings

    L = 64
    _, BLOCK_D, _ = launch_settings(L, 2**30)
    most = (2**31 - 1) // 2 - BLOCK_D
    check_diag_scan_offsets(L, most, is_complex=True)  # the largest D that fits
    with pytest.raises(KernelBackendError, match=r"diag_scan: .*32-bit offsets.*split the channels"):
        check_diag_scan_offsets(L, most + 1, is_complex=True)
    check_diag_scan_offsets(L, 2 * most, is_complex=False)  # half the floats per element
    b = torch.zeros(1, 1, 1, dtype=torch.complex64).expand(1, L, most + 1)
    with pytest.raises(KernelBackendError, match="backend='torch'"):
        diag_scan(b, b, backend="triton")


if HUGE:

    def test_cauchy_kernels_index_past_int32():
        """B = 3 rows of L ~ 2^30 points: rows 1 and 2 of z, g, the output and grad z start past
        2^31 - 1 floats. Launched over the first BLOCK_L points of each row only (the backward's
        sums over L then stop there too), against the reference on those points."""
        from ssm_ts.kernels.triton.cauchy import (
            _cauchy_bwd_vw_kernel,
            _cauchy_bwd_z_kernel,
            _cauchy_fwd_kernel,
        )

        K, B, N, L, BLOCK_N, BLOCK_L = 1, 3, 5, 2**30 - 1024, 8, 16
        C64 = torch.complex64
        v, w = torch.randn(K, B, N, dtype=C128), 0.5 * torch.randn(B, N, dtype=C128)
        z_head = torch.polar(2 * torch.ones(B, BLOCK_L, dtype=F64), torch.randn(B, BLOCK_L, dtype=F64))
        g_head = torch.randn(K, B, BLOCK_L, dtype=C128)
        z, out, g, grad_z = (
            sparse_tensor(B, L, 2),
            sparse_tensor(K, B, L, 2),
            sparse_tensor(K, B, L, 2),
            sparse_tensor(B, L, 2),
        )
        z[:, :BLOCK_L] = torch.view_as_real(z_head.to(C64))
        g[:, :, :BLOCK_L] = torch.view_as_real(g_head.to(C64))
        grad_v, grad_w = torch.empty(K, B, N, 2), torch.empty(B, N, 2)
        small = {"v": torch.view_as_real(v.to(C64)), "w": torch.view_as_real(w.to(C64))}
        blocks = {"BLOCK_N": BLOCK_N, "BLOCK_L": BLOCK_L}
        _cauchy_fwd_kernel[(K * B, 1)](small["v"], z, small["w"], out, B, N, L, NUM_N_BLOCKS=1, **blocks)
        args = (small["v"], z, small["w"], g)
        _cauchy_bwd_vw_kernel[(B, 1)](*args, grad_v, grad_w, B, N, L, K=K, NUM_L_BLOCKS=1, **blocks)
        _cauchy_bwd_z_kernel[(B, 1)](*args, grad_z, B, N, L, K=K, NUM_N_BLOCKS=1, **blocks)

        leaves = [leaf(t) for t in (v, z_head, w)]
        want = cauchy_reference(*leaves)
        want_grads = torch.autograd.grad(want, leaves, grad_outputs=g_head)
        assert_close(torch.view_as_complex(out[:, :, :BLOCK_L]), want, 1e-4, "out past 2^31 floats")
        got_grads = [torch.view_as_complex(t) for t in (grad_v, grad_z[:, :BLOCK_L], grad_w)]
        for name, got, ref in zip("vzw", got_grads, want_grads, strict=True):
            assert_close(got, ref, 1e-4, f"grad {name} past 2^31 floats")


def test_cauchy_refuses_a_row_longer_than_its_32_bit_offsets_hold():
    from ssm_ts.kernels.triton.cauchy import _blocks, check_cauchy_offsets

    _, BLOCK_L = _blocks(64, 2**29)
    check_cauchy_offsets(64, (2**31 - 1) // 2 - BLOCK_L)  # the longest row that fits
    with pytest.raises(KernelBackendError, match=r"cauchy: .*points.*backend='torch'"):
        check_cauchy_offsets(64, (2**31 - 1) // 2 - BLOCK_L + 1)
    with pytest.raises(KernelBackendError, match=r"cauchy: .*poles"):
        check_cauchy_offsets(2**30, 64)


if HUGE:

    def test_vandermonde_kernels_index_past_int32():
        """H = 3 rows of L ~ 2^30: row 2 of the kernel and of its gradient starts past 2^31 - 1
        floats. Launched over the first BLOCK_K C positions of each row (the backward's partial sums
        then cover just those), against the reference on those positions."""
        from ssm_ts.kernels.triton.vandermonde import _vandermonde_bwd_kernel, _vandermonde_fwd_kernel

        H, N, L, C, BLOCK_K = 3, 5, 2**30 + 5, 16, 16
        head = C * BLOCK_K
        v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
        g_head = torch.randn(H, head, dtype=F64)
        out, grad = sparse_tensor(H, L), sparse_tensor(H, L)
        grad[:, :head] = g_head.float()
        v_c, x_c = (torch.view_as_real(t.to(torch.complex64)) for t in (v, x))
        s0, s1 = torch.empty(H, 1, N, 2), torch.empty(H, 1, N, 2)
        blocks = {"BLOCK_N": 16, "C": C, "BLOCK_K": BLOCK_K, "PRECISION": "ieee", "SPLIT_C": 4, "SPLIT_K": 4}
        _vandermonde_fwd_kernel[(H, 1)](v_c, x_c, out, N, L, **blocks)
        _vandermonde_bwd_kernel[(H, 1)](x_c, grad, s0, s1, N, L, **blocks)

        leaves = [leaf(v), leaf(x)]
        want = vandermonde_reference(*leaves, head)
        want_v, want_x = torch.autograd.grad(want, leaves, grad_outputs=g_head)
        assert_close(out[:, :head], want, 1e-4, "K past 2^31 floats")
        s0, s1 = (torch.view_as_complex(t).sum(1) for t in (s0, s1))
        assert_close(2 * s0, want_v, 1e-4, "grad v past 2^31 floats")
        assert_close(2 * v.conj() * s1, want_x, 1e-4, "grad x past 2^31 floats")


def test_vandermonde_refuses_a_row_longer_than_its_32_bit_offsets_hold():
    from ssm_ts.kernels.triton.vandermonde import _settings, check_vandermonde_offsets

    L = 2**31 - 2**20
    pad = max(BLOCK_K * C for _, C, BLOCK_K, *_ in (_settings(32, L, C128, b) for b in (False, True)))
    check_vandermonde_offsets(32, 2**31 - 1 - pad, C128)  # the longest row that fits
    with pytest.raises(KernelBackendError, match=r"vandermonde: .*kernel values.*backend='torch'"):
        check_vandermonde_offsets(32, 2**31 - pad, C128)


if HUGE:

    def test_ssm_step_kernels_index_past_int32():
        """B = 65 rows of N = 2^24 modes: the last row of the state, the new state and their
        gradients starts past 2^31 - 1 floats. Launched over the first BLOCK_N modes only (the
        read-out and grad u then sum over just those), against the reference on those modes. Few
        rows of many modes, not the reverse: the backward kernel loops over the rows, and each
        interpreted iteration is slow."""
        from ssm_ts.kernels.triton.ssm_step import _ssm_step_backward_kernel, _ssm_step_kernel

        B, H, N, BLOCK_N = 65, 1, 2**24, 16
        assert B * H * N * 2 > 2**31
        state_head, u, dA_head, dB_head, C_head, _ = step_inputs(B, H, BLOCK_N, False)
        gy, gnew_head = torch.randn(B, H, dtype=F64), torch.randn(B, H, BLOCK_N, dtype=C128)
        state, new_state, gnew, gstate = (sparse_tensor(B, H, N, 2) for _ in range(4))
        params = [sparse_tensor(H, N, 2) for _ in range(6)]  # dA, dB, C, then their gradients
        for big, head in (
            (state, state_head),
            (gnew, gnew_head),
            *zip(params, (dA_head, dB_head, C_head), strict=False),
        ):
            big[..., :BLOCK_N, :] = torch.view_as_real(head.to(torch.complex64))
        u32, gy32, y = u.float().flatten(), gy.float().flatten(), torch.empty(B * H)
        gu_parts = torch.empty(1, B, H)
        _ssm_step_kernel[(triton.cdiv(B * H, 4),)](
            state, u32, *params[:3], u32, y, new_state, B * H, H, N,
            HAS_D=False, NUM_N_BLOCKS=1, BLOCK_R=4, BLOCK_N=BLOCK_N,
        )  # fmt: skip
        _ssm_step_backward_kernel[(H, 1)](
            state, u32, *params[:3], gy32, gnew, gstate, *params[3:], gu_parts, H, N,
            BATCH=B, BLOCK_H=1, BLOCK_N=BLOCK_N,
        )  # fmt: skip

        leaves = [leaf(t) for t in (state_head, u, dA_head, dB_head, C_head)]
        y_ref, state_ref = ssm_step_reference(*leaves)
        grads_ref = torch.autograd.grad((y_ref, state_ref), leaves, grad_outputs=(gy, gnew_head))
        as_complex = [torch.view_as_complex(t[..., :BLOCK_N, :]) for t in (new_state, gstate, *params[3:])]
        assert_close(y.view(B, H), y_ref, 1e-4, "y past 2^31 floats")
        assert_close(as_complex[0], state_ref, 1e-4, "new state past 2^31 floats")
        got = [as_complex[1], gu_parts[0], *as_complex[2:]]
        for name, g, r in zip(["state", "u", "dA", "dB", "C"], got, grads_ref, strict=True):
            assert_close(g, r, 1e-4, f"grad {name} past 2^31 floats")


def test_ssm_step_refuses_parameters_past_its_32_bit_offsets():
    from ssm_ts.kernels.triton.ssm_step import check_ssm_step_offsets

    check_ssm_step_offsets(4096, 4096, 64)  # a 16 GB state: its rows start at 64-bit offsets
    with pytest.raises(KernelBackendError, match=r"ssm_step: .*\(H, N\) = \(2,097,152, 512\) parameters"):
        check_ssm_step_offsets(1, 2**21, 512)
    state = torch.zeros(1, 1, 1, dtype=torch.complex64).expand(1, 2**21, 512)
    params = torch.zeros(1, 1, dtype=torch.complex64).expand(2**21, 512)
    with pytest.raises(KernelBackendError, match="backend='torch'"):
        ssm_step(state, torch.zeros(1, 2**21), params, params, params, backend="triton")


# --- lazy conjugates and negations, real parameters, half precision (kern34) -------------------------
# A kernel reads data_ptr and strides, not PyTorch's conjugate and negative bits: a conjugate input,
# or the gradient of a loss written with .conj(), reached view_as_real, which refused it ("unresolved
# conjugated tensors"); a real negative view was read with its sign flipped, silently.
def matches_reference(triton_fn, reference, inputs, project, rtol: float, name: str) -> None:
    """Values and the gradients of ``project(output)`` for every input, Triton against reference."""
    results = []
    for fn in (triton_fn, reference):
        leaves = [leaf(t) for t in inputs]
        with nan_filled_outputs():
            out = fn(*leaves)
            results.append((out.detach(), torch.autograd.grad(project(out), leaves)))
    (out, grads), (want, want_grads) = results
    assert out.dtype == want.dtype, f"{name}: dtype {out.dtype}, expected {want.dtype}"
    assert_close(out, want, rtol, name)
    for i, (g, r) in enumerate(zip(grads, want_grads, strict=True)):
        assert g.dtype == r.dtype, f"{name}: gradient {i} dtype {g.dtype}, expected {r.dtype}"
        assert_close(g, r, rtol, f"{name}: gradient of input {i}")


def test_cauchy_takes_conjugate_inputs_and_gradients():
    v, z, w = (torch.randn(2, n, dtype=C128) for n in (3, 5, 3))
    weights = torch.randn(2, 5, dtype=C128)
    matches_reference(
        lambda v, z, w: cauchy(v.conj(), z, w.conj(), backend="triton"),
        lambda v, z, w: cauchy_reference(v.conj(), z, w.conj()),
        [v, z, w],
        lambda out: (out.conj() * weights).real.sum(),  # the backward receives a conjugate view
        1e-10,
        "cauchy",
    )


def test_vandermonde_takes_conjugate_inputs():
    v, x = torch.randn(2, 3, dtype=C128), stable_exponents(2, 3)
    matches_reference(
        lambda v, x: vandermonde(v.conj(), x.conj(), 7, backend="triton"),
        lambda v, x: vandermonde_reference(v.conj(), x.conj(), 7),
        [v, x],
        lambda out: (out * torch.arange(7.0, dtype=F64)).sum(),
        1e-10,
        "vandermonde",
    )


def test_diag_scan_takes_conjugate_inputs_and_gradients():
    a, b, h0 = scan_inputs(1, 5, 2, "complex")
    weights = torch.randn(1, 5, 2, dtype=C128)
    matches_reference(
        lambda a, b, h0: diag_scan(a.conj(), b, h0.conj(), backend="triton"),
        lambda a, b, h0: diag_scan_reference(a.conj(), b, h0.conj()),
        [a, b, h0],
        lambda h: (h.conj() * weights).real.sum(),
        1e-12,
        "diag_scan",
    )


def test_ssm_step_takes_conjugate_inputs_and_gradients():
    state, u, dA, dB, C, D = step_inputs(2, 3, 4, True)
    state_weights = torch.randn(2, 3, 4, dtype=C128)

    def through_conjugates(step):
        def total(state, u, dA, dB, C, D):  # one scalar of both outputs, the new state through .conj()
            y, new_state = step(state.conj(), u, dA.conj(), dB, C.conj(), D)
            return y.sum() + (new_state.conj() * state_weights).real.sum()

        return total

    matches_reference(
        through_conjugates(lambda *t: ssm_step(*t, backend="triton")),
        through_conjugates(ssm_step_reference),
        [state, u, dA, dB, C, D],
        lambda total: total,
        1e-12,
        "ssm_step",
    )


def test_real_negative_views_are_read_with_their_sign():
    """``torch._neg_view`` (``.imag`` of a conjugate is such a view) holds the negated memory."""
    a, b, _ = scan_inputs(1, 5, 2, "real")
    a = torch._neg_view(-a)
    assert a.is_neg() and a.is_contiguous()
    with nan_filled_outputs():
        h = diag_scan(a, b, backend="triton")
    assert_close(h, diag_scan_reference(a, b), 1e-12, "diag_scan")
    state, u, dA, dB, C, D = step_inputs(2, 3, 4, True)
    u, D = torch._neg_view(-u), torch._neg_view(-D)
    with nan_filled_outputs():
        y, new_state = ssm_step(state, u, dA, dB, C, D, backend="triton")
    y_ref, state_ref = ssm_step_reference(state, u, dA, dB, C, D)
    assert_close(y, y_ref, 1e-12, "ssm_step y")
    assert_close(new_state, state_ref, 1e-12, "ssm_step state")


def test_real_parameters_get_real_gradients_without_a_cast_warning():
    """The backward cast complex gradients to real inputs with ``.to()``, which warned "Casting complex
    values to real discards the imaginary part" into the training loop (once per process, so the test
    turns on torch's warn-always)."""
    warn_always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            v, x = torch.randn(2, 3, dtype=F64), -torch.rand(2, 3, dtype=F64)
            matches_reference(
                lambda v, x: vandermonde(v, x, 6, backend="triton"),
                lambda v, x: vandermonde_reference(v.to(C128), x.to(C128), 6),
                [v, x],
                lambda out: out.pow(2).sum(),
                1e-10,
                "vandermonde",
            )
            state, u, _, _, C, _ = step_inputs(2, 3, 4, False)
            dA, dB = torch.rand(3, 4, dtype=F64), torch.randn(3, 4, dtype=F64)  # a real decay and input
            matches_reference(
                lambda *t: ssm_step(*t, backend="triton")[0],
                lambda *t: ssm_step_reference(*t)[0],
                [state, u, dA, dB, C],
                lambda y: y.pow(2).sum(),
                1e-12,
                "ssm_step",
            )
    finally:
        torch.set_warn_always(warn_always)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_cauchy_of_half_precision_real_inputs_comes_back_in_their_dtype(dtype):
    """Computed in float32 as before, returned in the inputs' dtype as the PyTorch path returns it."""
    v, z, w = torch.randn(2, 3), torch.randn(2, 5), torch.randn(2, 3) + 4
    args = [t.to(dtype) for t in (v, z, w)]
    with nan_filled_outputs():
        out = cauchy(*args, backend="triton")
    assert out.dtype == cauchy(*args, backend="torch").dtype == dtype
    assert_close(out.double(), cauchy_reference(*(t.double() for t in args)), 1e-2, "cauchy")


def test_diag_scan_gradient_of_an_initial_state_over_no_steps():
    """L = 0 with h0: no state depends on h0, so its gradient is zero; the backward indexed a_0
    (IndexError) on the Triton and the PyTorch path alike."""
    a, b, h0 = (leaf(t) for t in scan_inputs(2, 0, 3, "complex"))
    for backend in ("triton", "torch"):
        h = diag_scan(a, b, h0, backend=backend)
        grads = torch.autograd.grad(h.abs().sum(), [a, b, h0])
        assert h.shape == (2, 0, 3)
        assert torch.equal(grads[2], torch.zeros_like(h0)), backend


def test_ssm_step_state_dtype_does_not_follow_the_skip_term():
    """A float64 D widens y, not the new state (which D does not enter), as on the PyTorch path."""
    state, u, dA, dB, C, D = step_inputs(2, 3, 4, True)
    args = [state.to(torch.complex64), u.float(), *(t.to(torch.complex64) for t in (dA, dB, C)), D]
    with nan_filled_outputs():
        y, new_state = ssm_step(*args, backend="triton")
    y_torch, state_torch = ssm_step(*args, backend="torch")
    assert (y.dtype, new_state.dtype) == (y_torch.dtype, state_torch.dtype) == (F64, torch.complex64)
    assert_close(y, y_torch, 1e-5, "y")
    assert_close(new_state, state_torch, 1e-6, "state")
