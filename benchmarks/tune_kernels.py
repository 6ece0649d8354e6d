"""Launch-setting sweep for the Triton kernels on a GPU: time, bandwidth and accuracy per setting.

For each op the kernel's launch settings (``TUNING`` in its ``ssm_ts.kernels.triton`` module:
block sizes, warps, the ``tl.dot`` precision) are set in turn, the result is checked against a
float64 truth, and the kernel is timed (``triton.testing.do_bench`` medians) beside the PyTorch
path and, for diag_scan, ``torch.compile`` of PyTorch's associative scan, all in this one run:

- vandermonde at the issue's shape (H=1024, N=32, L=16384): forward settings, then backward
  settings with the best forward fixed;
- diag_scan (B=8, L=4096, D=1024, real): chunk length, channels per program, warps;
- ssm_step (H=1024, N=32, B=1/8/64): rows per program; every time also inside a CUDA graph of 20
  steps, which removes the Python launch cost that dominates a single small launch (generation
  replays its step as a CUDA graph).

    python benchmarks/tune_kernels.py              # on a GPU; JSON to results/tune_kernels.json
    TRITON_INTERPRET=1 python benchmarks/tune_kernels.py --quick --device cpu   # check the script (tune_kernels_quick.json)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_device, median_time, print_table, results_name, write_results  # noqa: E402
from bench_kernels import (  # noqa: E402
    associative_scan_reference,
    max_relative_error,
    peak_bandwidth_gbs,
    stable_exponents,
    with_backward,
)

from ssm_ts.kernels import (  # noqa: E402
    diag_scan,
    diag_scan_torch,
    ssm_step,
    ssm_step_torch,
    vandermonde,
    vandermonde_torch,
)
from ssm_ts.kernels.triton import diag_scan as diag_scan_module  # noqa: E402
from ssm_ts.kernels.triton import ssm_step as ssm_step_module  # noqa: E402
from ssm_ts.kernels.triton import vandermonde as vandermonde_module  # noqa: E402

C64, C128 = torch.complex64, torch.complex128


class Timer:
    """Median seconds of a call: ``do_bench`` on CUDA, wall-clock medians on the CPU."""

    def __init__(self, device: str):
        self.device = device

    def __call__(self, fn: Callable[[], Any]) -> float:
        if self.device == "cuda":
            import triton.testing

            return triton.testing.do_bench(fn, warmup=10, rep=60, return_mode="median") * 1e-3
        return median_time(fn, repeats=3)

    def graphed(self, fn: Callable[[], Any], calls: int = 20) -> float | None:
        """Seconds per call of ``fn`` replayed ``calls`` times in one CUDA graph (None on the CPU)."""
        if self.device != "cuda":
            return None
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                fn()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for _ in range(calls):
                fn()
        return self(graph.replay) / calls


def with_settings(module: Any, settings: dict[str, Any]) -> None:
    module.TUNING.clear()
    module.TUNING.update(settings)


def sweep(
    name: str,
    module: Any,
    candidates: list[dict[str, Any]],
    measure: Callable[[dict[str, Any]], dict[str, Any]],
    budget_s: float,
) -> list[dict[str, Any]]:
    """Measure every candidate setting until ``budget_s`` seconds have gone; failures are rows too."""
    rows, start = [], time.perf_counter()
    for settings in candidates:
        if time.perf_counter() - start > budget_s:
            rows.append({"op": name, "settings": json.dumps(settings), "note": "skipped: sweep budget spent"})
            continue
        with_settings(module, settings)
        try:
            row = {"op": name, "settings": json.dumps(settings), **measure(settings)}
        except Exception as exc:  # a setting that does not compile or run is reported, not fatal
            row = {"op": name, "settings": json.dumps(settings), "note": f"{type(exc).__name__}: {exc}"[:200]}
        finally:
            with_settings(module, {})
        rows.append(row)
        print("row", json.dumps(row), flush=True)
    return rows


# --- vandermonde ------------------------------------------------------------------------------
def vandermonde_sweep(device: str, quick: bool, timer: Timer, peak_gbs: float, budget_s: float) -> list[dict]:
    H, N, L = (8, 16, 300) if quick else (1024, 32, 16384)
    v, x = torch.randn(H, N, dtype=C64, device=device), stable_exponents(H, N, device)
    g = torch.randn(H, L, device=device)
    truth_leaves = [t.to(C128).requires_grad_(True) for t in (v, x)]
    truth = vandermonde_torch(*truth_leaves, L)
    truth_grads = torch.autograd.grad((truth * g.double()).sum(), truth_leaves)
    bytes_fwd = 2 * H * N * 8 + H * L * 4

    def errors() -> tuple[float, float]:
        leaves = [t.clone().requires_grad_(True) for t in (v, x)]
        out = vandermonde(*leaves, L, backend="triton")
        grads = torch.autograd.grad((out * g).sum(), leaves)
        grad_error = max(max_relative_error(a.to(C128), b) for a, b in zip(grads, truth_grads, strict=True))
        return max_relative_error(out.double(), truth), grad_error

    def measure(_: dict[str, Any]) -> dict[str, Any]:
        err, grad_err = errors()
        fwd = timer(lambda: vandermonde(v, x, L, backend="triton"))
        both = timer(with_backward(lambda v, x: vandermonde(v, x, L, backend="triton"), (v, x)))
        return {
            "shape": f"H={H} N={N} L={L}", "fwd_us": fwd * 1e6, "fwd_bwd_us": both * 1e6,
            "fwd_frac_peak_bw": bytes_fwd / fwd / 1e9 / peak_gbs, "max_rel_err": err, "grad_rel_err": grad_err,
        }  # fmt: skip

    torch_fwd = timer(lambda: vandermonde_torch(v, x, L))
    torch_both = timer(with_backward(lambda v, x: vandermonde_torch(v, x, L), (v, x)))
    rows = [{"op": "vandermonde", "settings": "PyTorch path (chunked GEMM, cuBLAS)", "shape": f"H={H} N={N} L={L}",
             "fwd_us": torch_fwd * 1e6, "fwd_bwd_us": torch_both * 1e6,
             "fwd_frac_peak_bw": bytes_fwd / torch_fwd / 1e9 / peak_gbs}]  # fmt: skip
    # The shipped default first, with its exponential tables evaluated entry by entry (factor 0) and
    # as products of two smaller tables (factor 1); then factored tables with other tiles and warps.
    shipped = {"precision": "tf32x3", "C": 128, "BLOCK_K": 32, "num_warps": 8}
    forward = [{**shipped, "factor": f} for f in (0, 1)] + [
        {"precision": p, "C": c, "BLOCK_K": k, "num_warps": w, "factor": 1}
        for p in ("tf32x3", "ieee")
        for c, k in ((64, 32), (128, 64), (64, 64), (256, 16), (256, 32))
        for w in (4, 8)
    ]
    if quick:
        forward = forward[:2]
    rows += sweep("vandermonde forward", vandermonde_module, forward, measure, budget_s / 2)
    timed = [r for r in rows[1:] if "fwd_us" in r]
    if not timed:
        return rows
    best = json.loads(min(timed, key=lambda r: r["fwd_us"])["settings"])
    shipped_bwd = {"bwd_precision": "tf32x3", "bwd_C": 64, "bwd_BLOCK_K": 16, "bwd_num_warps": 4}
    backward = [{**best, **shipped_bwd, "bwd_factor": f} for f in (0, 1)] + [
        {**best, "bwd_precision": "tf32x3", "bwd_C": c, "bwd_BLOCK_K": k, "bwd_num_warps": w, "bwd_factor": 1}
        for c, k in ((64, 32), (32, 32), (128, 16), (64, 64))
        for w in (4, 8)
    ]
    if quick:
        backward = backward[:2]
    return rows + sweep("vandermonde backward", vandermonde_module, backward, measure, budget_s / 2)


# --- diag_scan --------------------------------------------------------------------------------
def diag_scan_sweep(device: str, quick: bool, timer: Timer, peak_gbs: float, budget_s: float) -> list[dict]:
    B, L, D = (2, 256, 16) if quick else (8, 4096, 1024)
    a = 0.9 + 0.1 * torch.rand(B, L, D, device=device)
    b = torch.randn(B, L, D, device=device)
    truth = diag_scan_torch(a.double(), b.double())
    moved = 3 * B * L * D * 4
    shape = f"B={B} L={L} D={D} real"

    def measure(_: dict[str, Any]) -> dict[str, Any]:
        err = max_relative_error(diag_scan(a, b, backend="triton").double(), truth)
        fwd = timer(lambda: diag_scan(a, b, backend="triton"))
        both = timer(with_backward(lambda a, b: diag_scan(a, b, backend="triton"), (a, b)))
        return {"shape": shape, "fwd_us": fwd * 1e6, "fwd_bwd_us": both * 1e6,
                "fwd_frac_peak_bw": moved / fwd / 1e9 / peak_gbs, "max_rel_err": err}  # fmt: skip

    rows = []
    if device == "cuda":
        compiled = torch.compile(associative_scan_reference, dynamic=False)
        scan_s = timer(lambda: compiled(a, b))
        rows.append({"op": "diag_scan", "settings": "torch.compile(associative_scan)", "shape": shape,
                     "fwd_us": scan_s * 1e6, "fwd_frac_peak_bw": moved / scan_s / 1e9 / peak_gbs})  # fmt: skip
    candidates = [
        {"BLOCK_T": t, "BLOCK_D": d, "num_warps": w}
        for t, d, w in (
            (64, 32, 4), (64, 16, 4), (64, 64, 4), (128, 32, 4), (32, 32, 4),
            (64, 32, 8), (128, 64, 8), (128, 16, 2), (64, 32, 2), (256, 32, 8),
        )
    ]  # fmt: skip
    return rows + sweep(
        "diag_scan", diag_scan_module, candidates[:2] if quick else candidates, measure, budget_s
    )


# --- ssm_step ---------------------------------------------------------------------------------
def ssm_step_rows_at(
    B: int, H: int, N: int, device: str, quick: bool, timer: Timer, budget_s: float
) -> list[dict]:
    state = torch.randn(B, H, N, dtype=C64, device=device)
    u = torch.randn(B, H, device=device)
    dA = torch.polar(torch.rand(H, N, device=device), torch.randn(H, N, device=device))
    dB, C = (torch.randn(H, N, dtype=C64, device=device) for _ in "bc")
    D = torch.randn(H, device=device)
    args = (state, u, dA, dB, C, D)
    truth = ssm_step_torch(*(t.to(C128 if t.is_complex() else torch.float64) for t in args))
    eager_s = timer(lambda: ssm_step_torch(*args))
    eager_graph_s = timer.graphed(lambda: ssm_step_torch(*args))
    shape = f"B={B} H={H} N={N}"

    def call() -> tuple[torch.Tensor, torch.Tensor]:
        return ssm_step(*args, backend="triton")

    def measure(_: dict[str, Any]) -> dict[str, Any]:
        y, new = call()
        err = max(max_relative_error(y.double(), truth[0]), max_relative_error(new.to(C128), truth[1]))
        t, t_graph = timer(call), timer.graphed(call)
        return {
            "shape": shape, "fwd_us": t * 1e6, "x_vs_eager": eager_s / t,
            "graph_us": None if t_graph is None else t_graph * 1e6,
            "eager_graph_us": None if eager_graph_s is None else eager_graph_s * 1e6,
            "graph_x_vs_eager_graph": None if t_graph is None else eager_graph_s / t_graph,
            "max_rel_err": err,
        }  # fmt: skip

    eager = {"op": "ssm_step", "settings": "PyTorch eager", "shape": shape, "fwd_us": eager_s * 1e6,
             "graph_us": None if eager_graph_s is None else eager_graph_s * 1e6}  # fmt: skip
    candidates = [{"BLOCK_R": r, "num_warps": w} for r, w in ((16, 4), (4, 1), (8, 2), (32, 4), (64, 4))]
    return [
        eager,
        *sweep("ssm_step", ssm_step_module, candidates[:2] if quick else candidates, measure, budget_s),
    ]


def ssm_step_rows(device: str, quick: bool, timer: Timer, budget_s: float) -> list[dict]:
    H, N = (16, 8) if quick else (1024, 32)
    batches = (1, 8) if quick else (1, 8, 64)
    return [
        row
        for B in batches
        for row in ssm_step_rows_at(B, H, N, device, quick, timer, budget_s / len(batches))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--quick", action="store_true", help="small shapes, two settings per sweep")
    parser.add_argument("--ops", nargs="+", default=["vandermonde", "diag_scan", "ssm_step"])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per op's sweep")
    args = parser.parse_args()
    check_device(args.device)  # the default: on a CPU, TRITON_INTERPRET=1 ... --device cpu (module docstring)
    torch.manual_seed(0)
    timer = Timer(args.device)
    peak, source = peak_bandwidth_gbs() if args.device == "cuda" else (float("nan"), "no GPU")
    rows: list[dict[str, Any]] = []
    if "vandermonde" in args.ops:
        rows += vandermonde_sweep(args.device, args.quick, timer, peak, args.budget)
    if "diag_scan" in args.ops:
        rows += diag_scan_sweep(args.device, args.quick, timer, peak, args.budget)
    if "ssm_step" in args.ops:
        rows += ssm_step_rows(args.device, args.quick, timer, args.budget)
    columns = ["op", "settings", "shape", "fwd_us", "fwd_bwd_us", "fwd_frac_peak_bw", "graph_us",
               "eager_graph_us", "graph_x_vs_eager_graph", "x_vs_eager", "max_rel_err", "grad_rel_err", "note"]  # fmt: skip
    print()
    print_table(rows, columns)
    payload = {"device": args.device, "peak_bandwidth_gbs": peak, "peak_source": source, "quick": args.quick}
    path = write_results(results_name("tune_kernels", args.quick), {**payload, "rows": rows})
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
