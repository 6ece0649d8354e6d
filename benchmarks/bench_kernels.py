"""Kernel ops (vandermonde, cauchy, ssm_step, diag_scan; krylov on the CPU): time, bandwidth, speedups. JSON to results/.

On CUDA, for each op and shape: the Triton path timed with ``triton.testing.do_bench`` (median),
its achieved GB/s (the bytes it must move: inputs read once, outputs written once) and the fraction
of the device's peak memory bandwidth (nominal for known GPUs, else a measured device copy), and
its speedup over the eager PyTorch reference and over ``torch.compile`` of that reference. Each
Triton result is checked against the reference before it is timed.

On the CPU: the PyTorch path against the materialising reference (median of repeats), forward and
forward+backward. ``krylov`` (a dense SSM's continued state, SpaceTime's decoder while compiled; no
Triton path) is timed on the CPU only: the op ``ssm_ts::krylov`` (doubling, with its hand-written
adjoint) against one product per column, and against the same op with a backward that recomputes the
forward's columns (``recompute_ms``: the op before its backward read the saved ones), at SpaceTime's
sizes too (lookback 336, companion state 64 and 128).

    python benchmarks/bench_kernels.py            # CUDA if available, else CPU
    python benchmarks/bench_kernels.py --quick    # small shapes, to check the script (bench_kernels_quick.json)
    python benchmarks/bench_kernels.py --device cpu
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import alternating_medians, check_device, print_table, results_name, write_results  # noqa: E402

from ssm_ts.kernels import (  # noqa: E402
    cauchy,
    cauchy_reference,
    cauchy_torch,
    diag_scan,
    diag_scan_reference,
    diag_scan_torch,
    ssm_step,
    ssm_step_reference,
    ssm_step_torch,
    vandermonde,
    vandermonde_reference,
    vandermonde_torch,
)
from ssm_ts.kernels.krylov import krylov_doubling, krylov_gradients, krylov_op, krylov_reference  # noqa: E402

# Nominal peak memory bandwidth in GB/s (vendor figures), matched against the device name.
PEAK_BANDWIDTH_GBS = {"H100 SXM": 3350, "H100 PCIe": 2000, "H100 NVL": 3900, "H100": 3350, "H200": 4800,
                      "A100-SXM4-80GB": 2039, "A100-SXM4-40GB": 1555, "A100-PCIE": 1555, "A100": 1555,
                      "L40S": 864, "L4": 300, "A10": 600, "RTX 4090": 1008}  # fmt: skip
C64 = torch.complex64


# --- op cases: inputs, bytes moved, the call per implementation -----------------------------------
def stable_exponents(H: int, N: int, device: str) -> torch.Tensor:
    return torch.complex(-torch.rand(H, N, device=device) * 0.5 - 1e-3, torch.randn(H, N, device=device) * 3)


def vandermonde_case(H: int, N: int, L: int, device: str) -> dict[str, Any]:
    v, x = torch.randn(H, N, dtype=C64, device=device), stable_exponents(H, N, device)
    return {
        "op": "vandermonde", "shape": f"H={H} N={N} L={L}", "inputs": (v, x),
        "bytes": 2 * H * N * 8 + H * L * 4,
        "triton": lambda v, x: vandermonde(v, x, L, backend="triton"),
        "torch": lambda v, x: vandermonde_torch(v, x, L),
        "reference": lambda v, x: vandermonde_reference(v, x, L),
        "tol": 1e-3,
    }  # fmt: skip


def cauchy_case(K: int, H: int, N: int, L: int, device: str) -> dict[str, Any]:
    # The S4 shape: K = 4 Woodbury numerators share poles (H, N) and points (L,).
    v = torch.randn(K, H, N, dtype=C64, device=device)
    w = stable_exponents(H, N, device)
    z = torch.exp(2j * math.pi * torch.arange(L, device=device) / (2 * L)).to(C64) * 1.01
    return {
        "op": "cauchy", "shape": f"K={K} H={H} N={N} L={L}", "inputs": (v, z, w),
        "bytes": (K * H * N + L + H * N) * 8 + K * H * L * 8,
        "triton": lambda v, z, w: cauchy(v, z, w, backend="triton"),
        "torch": cauchy_torch,
        "reference": cauchy_reference,
        "tol": 1e-3,
    }  # fmt: skip


def ssm_step_case(B: int, H: int, N: int, device: str) -> dict[str, Any]:
    state = torch.randn(B, H, N, dtype=C64, device=device)
    u = torch.randn(B, H, device=device)
    dA = torch.polar(torch.rand(H, N, device=device), torch.randn(H, N, device=device))
    dB, C = torch.randn(H, N, dtype=C64, device=device), torch.randn(H, N, dtype=C64, device=device)
    D = torch.randn(H, device=device)

    def first(fn: Callable) -> Callable:
        return lambda *args: fn(*args)[0]

    return {
        "op": "ssm_step", "shape": f"B={B} H={H} N={N}", "inputs": (state, u, dA, dB, C, D),
        "bytes": 2 * B * H * N * 8 + 3 * H * N * 8 + 2 * B * H * 4 + H * 4,
        "triton": first(lambda *a: ssm_step(*a, backend="triton")),
        "torch": first(ssm_step_torch),
        "reference": first(ssm_step_reference),
        "tol": 1e-4,
    }  # fmt: skip


def _combine(left: tuple, right: tuple) -> tuple:
    return right[0] * left[0], right[0] * left[1] + right[1]


def associative_scan_reference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PyTorch's own associative scan (a higher-order op; meant to run under torch.compile)."""
    from torch._higher_order_ops.associative_scan import associative_scan

    return associative_scan(_combine, (a, b), dim=1, combine_mode="pointwise")[1]


def diag_scan_case(
    B: int, L: int, D: int, complex_values: bool, device: str, with_assoc: bool
) -> dict[str, Any]:
    dtype = C64 if complex_values else torch.float32
    if complex_values:
        a = torch.polar(0.9 + 0.1 * torch.rand(B, L, D, device=device), torch.randn(B, L, D, device=device))
    else:
        a = 0.9 + 0.1 * torch.rand(B, L, D, device=device)
    b = torch.randn(B, L, D, dtype=dtype, device=device)
    element = 8 if complex_values else 4
    case = {
        "op": "diag_scan", "shape": f"B={B} L={L} D={D} {'complex' if complex_values else 'real'}",
        "inputs": (a, b), "bytes": 3 * B * L * D * element,
        "triton": lambda a, b: diag_scan(a, b, backend="triton"),
        "torch": lambda a, b: diag_scan_torch(a, b),
        "reference": lambda a, b: diag_scan_reference(a, b),
        "tol": 1e-3,
        "compile": (),  # compiling the loop reference would unroll L steps; PyTorch's own scan is compiled instead
    }  # fmt: skip
    if with_assoc and not complex_values:
        case["assoc_scan"] = associative_scan_reference
        case["compile"] = ("assoc_scan",)
    return case


class KrylovRecomputed(torch.autograd.Function):
    """``ssm_ts::krylov`` as it was: a backward that runs the forward again for the columns."""

    @staticmethod
    def forward(ctx, A: torch.Tensor, b: torch.Tensor, L: int) -> torch.Tensor:
        ctx.save_for_backward(A, b)
        ctx.L = L
        return krylov_doubling(A, b, L)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        A, b = ctx.saved_tensors
        return *krylov_gradients(A, b, ctx.L, grad), None  # columns=None: recomputed


def krylov_case(H: int, N: int, L: int, device: str) -> dict[str, Any]:
    A = torch.randn(H, N, N, device=device) / math.sqrt(2 * N)  # spectral radius about 0.7: no blow-up
    b = torch.randn(H, N, device=device)
    return {
        "op": "krylov", "shape": f"H={H} N={N} L={L}", "inputs": (A, b),
        "bytes": (H * N * N + H * N + H * N * L) * 4,
        "torch": lambda A, b: krylov_op(A, b, L),
        "reference": lambda A, b: krylov_reference(A, b, L),
        "recompute": lambda A, b: KrylovRecomputed.apply(A, b, L),
        "tol": 1e-3,
    }  # fmt: skip


# --- timing -----------------------------------------------------------------------------------
def with_backward(fn: Callable, inputs: tuple) -> Callable[[], None]:
    leaves = [t.detach().clone().requires_grad_(t.is_floating_point() or t.is_complex()) for t in inputs]

    def run() -> None:
        out = fn(*leaves)
        (out.real if out.is_complex() else out).sum().backward()
        for leaf in leaves:
            leaf.grad = None

    return run


def peak_bandwidth_gbs() -> tuple[float, str]:
    """Nominal peak of the current GPU if known, else a measured device-to-device copy."""
    import triton.testing

    name = torch.cuda.get_device_name()
    for key, value in PEAK_BANDWIDTH_GBS.items():
        if key in name:
            return float(value), f"nominal for {name}"
    src = torch.empty(256 * 2**20, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    ms = triton.testing.do_bench(lambda: dst.copy_(src), return_mode="median")
    return 2 * src.numel() / (ms * 1e-3) / 1e9, f"measured copy on {name}"


def max_relative_error(out: torch.Tensor, ref: torch.Tensor) -> float:
    return ((out - ref).abs().max() / ref.abs().max().clamp(min=1e-30)).item()


def cuda_rows(
    cases: list[dict[str, Any]], peak_gbs: float, compile_references: bool = True
) -> list[dict[str, Any]]:
    """Time every case on CUDA. ``compile_references=False`` skips ``torch.compile`` of the eager
    references (minutes of compilation on a cold cache) but keeps the compiled associative scan,
    the baseline that diag_scan is judged against."""
    import triton.testing

    def bench(fn: Callable[[], Any]) -> float:
        return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median") * 1e-3

    rows = []
    for case in cases:
        inputs = case["inputs"]
        error = max_relative_error(case["triton"](*inputs), case["torch"](*inputs))
        if error > case["tol"]:
            raise AssertionError(f"{case['op']} {case['shape']}: Triton disagrees with PyTorch ({error:.3g})")
        for mode in ("forward", "forward+backward"):
            impls = {
                name: case[name] for name in ("triton", "torch", "reference", "assoc_scan") if name in case
            }
            compiled = {
                f"compiled_{n}": torch.compile(impls[n], dynamic=False)
                for n in case.get("compile", ("reference",))
                if compile_references or n != "reference"
            }
            seconds: dict[str, float | None] = {}
            notes: list[str] = []
            for name, fn in {**impls, **compiled}.items():
                call = (
                    (lambda fn=fn, inputs=inputs: fn(*inputs))
                    if mode == "forward"
                    else with_backward(fn, inputs)
                )
                try:
                    seconds[name] = bench(call)
                except (
                    Exception
                ) as exc:  # a baseline that cannot run (memory, compile) is reported, not fatal
                    if name == "triton":
                        raise
                    seconds[name] = None
                    notes.append(f"{name}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                torch.cuda.empty_cache()
            t = seconds["triton"]
            moved = case["bytes"] * (
                1 if mode == "forward" else 3
            )  # backward ~ reads grads + inputs, writes grads
            row = {
                "op": case["op"], "shape": case["shape"], "mode": mode, "triton_us": t * 1e6,
                "GB/s": moved / t / 1e9, "frac_peak_bw": moved / t / 1e9 / peak_gbs, "max_rel_err": error,
                **{f"{n}_us": (s * 1e6 if s is not None else None) for n, s in seconds.items() if n != "triton"},
                **{f"x_vs_{n}": (s / t if s is not None else None) for n, s in seconds.items() if n != "triton"},
                "notes": "; ".join(notes),
            }  # fmt: skip
            rows.append(row)
            print(
                f"{case['op']:12s} {case['shape']:32s} {mode:17s} {t * 1e6:9.1f} us  {row['GB/s']:8.1f} GB/s"
            )
            print("row", json.dumps(row), flush=True)  # the whole row now, in case a later case fails
    return rows


def cpu_rows(cases: list[dict[str, Any]], repeats: int) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        inputs = case["inputs"]
        error = max_relative_error(case["torch"](*inputs), case["reference"](*inputs))
        for mode in ("forward", "forward+backward"):
            # the krylov op's former backward differs only in backward
            names = (
                "torch",
                "reference",
                *(("recompute",) if "recompute" in case and mode != "forward" else ()),
            )
            calls = {
                name: (lambda fn=case[name], inputs=inputs: fn(*inputs))
                if mode == "forward"
                else with_backward(case[name], inputs)
                for name in names
            }
            times = alternating_medians(calls, repeats=repeats, warmup=1)  # the ratio is what is quoted
            moved = case["bytes"] * (1 if mode == "forward" else 3)
            rows.append({
                "op": case["op"], "shape": case["shape"], "mode": mode,
                "torch_ms": times["torch"] * 1e3, "reference_ms": times["reference"] * 1e3,
                "speedup": times["reference"] / times["torch"], "torch_GB/s": moved / times["torch"] / 1e9,
                "max_rel_err": error,
                **({"recompute_ms": times["recompute"] * 1e3, "x_vs_recompute": times["recompute"] / times["torch"]}
                   if "recompute" in times else {}),
            })  # fmt: skip
            print(f"{case['op']:12s} {case['shape']:32s} {mode:17s} {times['torch'] * 1e3:9.2f} ms")
    return rows


def build_cases(device: str, quick: bool) -> list[dict[str, Any]]:
    if device == "cuda":
        if quick:
            return [
                vandermonde_case(64, 32, 1024, device),
                cauchy_case(4, 32, 32, 512, device),
                ssm_step_case(2, 64, 32, device),
                diag_scan_case(2, 512, 64, False, device, with_assoc=True),
            ]
        return [
            vandermonde_case(1024, 32, 16384, device),  # the target shape
            vandermonde_case(256, 64, 4096, device),
            cauchy_case(4, 256, 32, 8193, device),
            *(ssm_step_case(B, 1024, 32, device) for B in (1, 8)),
            ssm_step_case(64, 1024, 32, device),
            *(diag_scan_case(8, L, 1024, False, device, with_assoc=True) for L in (4096, 16384)),
            diag_scan_case(8, 4096, 1024, True, device, with_assoc=False),
        ]
    if quick:
        return [
            vandermonde_case(16, 16, 256, device),
            cauchy_case(4, 8, 16, 129, device),
            ssm_step_case(2, 16, 8, device),
            diag_scan_case(2, 256, 8, False, device, with_assoc=False),
            krylov_case(4, 8, 256, device),
        ]
    return [
        vandermonde_case(128, 32, 4096, device),
        cauchy_case(4, 64, 32, 2049, device),
        ssm_step_case(8, 256, 32, device),
        diag_scan_case(4, 4096, 64, False, device, with_assoc=False),
        diag_scan_case(4, 4096, 64, True, device, with_assoc=False),
        krylov_case(64, 64, 4096, device),
        *(krylov_case(64, N, 336, device) for N in (64, 128)),  # SpaceTime: lookback 336, d_model 64
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--quick", action="store_true", help="small shapes, to check the script")
    parser.add_argument("--repeats", type=int, default=5, help="CPU: timed repeats per measurement")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads (1 avoids stalls in thread barriers on a busy machine)",
    )
    parser.add_argument(
        "--no-compile-reference",
        action="store_true",
        help="CUDA: skip torch.compile of the eager references (the compiled associative scan stays)",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
    check_device(device)
    torch.manual_seed(0)
    cases = build_cases(device, args.quick)
    if device == "cuda":
        peak, peak_source = peak_bandwidth_gbs()
        rows = cuda_rows(cases, peak, compile_references=not args.no_compile_reference)
        columns = ["op", "shape", "mode", "triton_us", "GB/s", "frac_peak_bw", "x_vs_reference",
                   "x_vs_compiled_reference", "x_vs_compiled_assoc_scan", "x_vs_torch", "max_rel_err"]  # fmt: skip
        payload = {
            "device": "cuda",
            "peak_bandwidth_gbs": peak,
            "peak_source": peak_source,
            "compiled_references": not args.no_compile_reference,
        }
    else:
        rows = cpu_rows(cases, args.repeats)
        columns = ["op", "shape", "mode", "torch_ms", "reference_ms", "speedup", "torch_GB/s", "recompute_ms",
                   "x_vs_recompute", "max_rel_err"]  # fmt: skip
        payload = {"device": "cpu", "repeats": args.repeats, "threads": torch.get_num_threads()}
    print()
    print_table(rows, columns)
    path = write_results(
        results_name("bench_kernels", args.quick), {**payload, "quick": args.quick, "rows": rows}
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
