"""Forward+backward time and peak memory of SSMBlock with each SSM, against materialising baselines.

Shape (issue 2): batch 8, H = 128, L = 4096, N = 64, on the CPU. The baseline computes the same
block but builds the complex (H, N, L) Vandermonde matrix (S4D) or the full Cauchy matrix (S4)
in one piece, as a straightforward implementation does. Each case runs in its own subprocess so
its peak resident memory (minus the memory held before the timed runs) is its own.

    python benchmarks/bench_core.py            # all cases, JSON to results/bench_core.json
    python benchmarks/bench_core.py --quick    # small shapes, to check the script (bench_core_quick.json)
    python benchmarks/bench_core.py --s4nd     # the 2-D S4ND encoder (s4nd2d), results/bench_core_s4nd.json

``--s4nd`` times a training step (forward + backward, train mode) and a prediction (eval mode, no
gradients) of :class:`ssm_ts.models.s4nd.S4NDEncoder2d` on the CPU: a batch of 16 single-channel
64 x 64 inputs with the default options, and a batch of 32 of 32 mel bands x 64 frames with the
settings benchmarks/classify_uea.py trains FSDD with. Each case runs one axis at a time (the layer's
own forward) and, as the baseline (``fft2_*`` columns), by the 2-D FFT of
:func:`ssm_ts.models.s4nd.s4nd_conv2d_reference`; on ``--threads`` CPU threads (1 by default). The
layer keeps its axes' kernels between predictions; ``predict_uncached_seconds`` is a prediction that
computes them again (as every prediction did before), timed interleaved with a kept one
(``predict_kept_seconds``), also for one recording at the FSDD settings.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    alternating_medians,
    current_rss_mib,
    median_time,
    peak_rss_mib,
    print_table,
    results_name,
    write_results,
)  # noqa: E402

# (ssm, variant, scope): scope "block" times SSMBlock fwd+bwd; "kernel" times kernel generation alone.
CASES = [
    ("diagonal", "chunked", "block"),
    ("diagonal", "materialising", "block"),
    ("dplr", "chunked", "block"),
    ("dplr", "materialising", "block"),
    ("companion", "chunked", "block"),
    ("shift", "chunked", "block"),
    ("diagonal", "chunked", "kernel"),
    ("diagonal", "materialising", "kernel"),
    ("dplr", "chunked", "kernel"),
    ("dplr", "materialising", "kernel"),
]


# name -> (batch, frequency bins (the input's channels), frames, S4NDEncoder2d options)
S4ND_CASES = {
    "64x64, defaults": (16, 64, 64, {}),
    "32 mel x 64 frames, FSDD settings": (32, 32, 64, {"d_model": 32, "n_layers": 3, "d_state": 16}),
    "32 mel x 64 frames, FSDD settings, one recording": (
        1,
        32,
        64,
        {"d_model": 32, "n_layers": 3, "d_state": 16},
    ),
}
S4ND_QUICK = {"8x8, tiny": (2, 8, 8, {"d_model": 4, "n_layers": 1, "d_state": 4})}


@contextlib.contextmanager
def s4nd_by_2d_fft():
    """Run every S4NDConv2d by its 2-D FFT definition (the baseline) inside the block."""
    from ssm_ts.models.s4nd import S4NDConv2d, s4nd_conv2d_reference

    saved = S4NDConv2d.forward
    S4NDConv2d.forward = s4nd_conv2d_reference
    try:
        yield
    finally:
        S4NDConv2d.forward = saved


def time_s4nd(batch: int, bins: int, frames: int, options: dict, repeats: int) -> dict[str, float]:
    """Median seconds of an S4NDEncoder2d training step (train mode) and prediction (eval, no gradients),
    by the layer's own forward and by the 2-D FFT baseline (:func:`s4nd_by_2d_fft`), the runs of the two
    interleaved (:func:`alternating_medians`): ``{"train", "predict", "fft2_train", "fft2_predict"}``."""
    from ssm_ts.models.s4nd import S4NDEncoder2d

    torch.manual_seed(0)
    model = S4NDEncoder2d(n_channels=bins, n_classes=10, **options)
    x = torch.randn(batch, frames, bins)

    def train_step():
        model.train()
        model.zero_grad(set_to_none=True)
        model(x).logsumexp(-1).mean().backward()

    @torch.no_grad()
    def predict():
        model.eval()
        model(x)

    def by_2d_fft(step):
        def run():
            with s4nd_by_2d_fft():
                step()

        return run

    times = {}
    for name, step in (("train", train_step), ("predict", predict)):
        medians = alternating_medians({"own": step, "fft2": by_2d_fft(step)}, repeats=repeats)
        times[name], times[f"fft2_{name}"] = medians["own"], medians["fft2"]
    return times


def time_s4nd_kept_kernels(
    batch: int, bins: int, frames: int, options: dict, repeats: int
) -> dict[str, float]:
    """Median seconds of an S4NDEncoder2d prediction (eval, no gradients) with the kernels it keeps
    between calls and with them dropped before each call (computed again, as before they were kept),
    interleaved: ``{"predict_kept", "predict_uncached"}``."""
    from ssm_ts.models.s4nd import _KERNEL_CACHE, S4NDConv2d, S4NDEncoder2d

    torch.manual_seed(0)
    model = S4NDEncoder2d(n_channels=bins, n_classes=10, **options).eval()
    x = torch.randn(batch, frames, bins)
    convs = [m for m in model.modules() if isinstance(m, S4NDConv2d)]

    @torch.no_grad()
    def kept():
        model(x)

    @torch.no_grad()
    def uncached():
        for conv in convs:
            conv.__dict__.pop(_KERNEL_CACHE, None)  # its ParameterTermsCache: nothing kept
        model(x)

    medians = alternating_medians({"kept": kept, "uncached": uncached}, repeats=repeats)
    return {"predict_kept": medians["kept"], "predict_uncached": medians["uncached"]}


def s4nd_rows(quick: bool, repeats: int) -> list[dict]:
    """One row per case of :data:`S4ND_CASES` (:data:`S4ND_QUICK` with ``quick``): :func:`time_s4nd`'s
    times of the layer's own forward, and of the 2-D FFT baseline (:func:`s4nd_by_2d_fft`, ``fft2_*``)."""
    rows = []
    for name, (batch, bins, frames, options) in (S4ND_QUICK if quick else S4ND_CASES).items():
        times = time_s4nd(batch, bins, frames, options, repeats)
        kept = time_s4nd_kept_kernels(batch, bins, frames, options, repeats)
        train_seconds, predict_seconds = times["train"], times["predict"]
        fft2_train_seconds, fft2_predict_seconds = times["fft2_train"], times["fft2_predict"]
        rows.append(
            {
                "case": name,
                "batch": batch,
                "bins": bins,
                "frames": frames,
                "train_step_seconds": train_seconds,
                "predict_seconds": predict_seconds,
                "fft2_train_step_seconds": fft2_train_seconds,
                "fft2_predict_seconds": fft2_predict_seconds,
                "predict_kept_seconds": kept["predict_kept"],
                "predict_uncached_seconds": kept["predict_uncached"],
            }
        )
        print(
            f"  measured s4nd2d {name}: {train_seconds:.3f} s (2-D FFT {fft2_train_seconds:.3f} s)",
            file=sys.stderr,
        )
    return rows


@contextlib.contextmanager
def materialising_kernels():
    """Swap the chunked kernel ops for their one-piece references inside the core."""
    import ssm_ts.core.diagonal as diagonal
    import ssm_ts.core.dplr as dplr
    from ssm_ts.kernels import cauchy_reference, vandermonde_reference

    saved = diagonal.vandermonde, dplr.cauchy
    diagonal.vandermonde = lambda v, x, L: vandermonde_reference(v, x, L)
    dplr.cauchy = lambda v, z, w: cauchy_reference(v, z, w)
    try:
        yield
    finally:
        diagonal.vandermonde, dplr.cauchy = saved


def run_case(ssm: str, variant: str, scope: str, batch: int, H: int, L: int, N: int, repeats: int) -> dict:
    from ssm_ts.core import SSMBlock

    torch.manual_seed(0)
    block = SSMBlock(d_model=H, ssm=ssm, d_state=N)
    x = torch.randn(batch, L, H, requires_grad=True)

    def fwd_bwd():
        block.zero_grad(set_to_none=True)
        if scope == "kernel":
            block.conv.ssm.kernel(L).square().mean().backward()
        else:
            block(x).square().mean().backward()

    context = materialising_kernels() if variant == "materialising" else contextlib.nullcontext()
    with context:
        fwd_bwd()  # warm up allocator and caches before measuring memory
        before = current_rss_mib()
        seconds = median_time(fwd_bwd, repeats=repeats, warmup=0)
    return {
        "ssm": ssm,
        "variant": variant,
        "scope": scope,
        "seconds": seconds,
        "peak_extra_mib": peak_rss_mib() - before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small shapes (checks the script runs)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--s4nd", action="store_true", help="time the 2-D S4ND encoder instead")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of --s4nd (default 1)")
    parser.add_argument("--case", nargs=3, metavar=("SSM", "VARIANT", "SCOPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.s4nd:
        threads = torch.get_num_threads()
        torch.set_num_threads(args.threads)  # docs/benchmarks.md's s4nd2d row is on 1 thread
        try:  # (main runs inside tests too: the threads are restored)
            rows = s4nd_rows(args.quick, args.repeats)
            path = write_results(results_name("bench_core_s4nd", args.quick), {"rows": rows})
        finally:
            torch.set_num_threads(threads)
        print_table(rows, list(rows[0]))
        print(f"wrote {path}")
        return
    shape = dict(batch=2, H=16, L=512, N=16) if args.quick else dict(batch=8, H=128, L=4096, N=64)

    if args.case:  # child process: one case, JSON on stdout
        print(json.dumps(run_case(*args.case, **shape, repeats=args.repeats)))
        return

    rows = []
    for ssm, variant, scope in CASES:
        command = [sys.executable, __file__, "--case", ssm, variant, scope, "--repeats", str(args.repeats)]
        command += ["--quick"] if args.quick else []
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  measured {ssm} {variant} {scope}: {rows[-1]['seconds']:.3f} s", file=sys.stderr)

    by_key = {(r["ssm"], r["variant"], r["scope"]): r for r in rows}
    for row in rows:
        base = by_key.get((row["ssm"], "materialising", row["scope"]))
        if base and row["variant"] == "chunked":
            row["speedup_vs_baseline"] = base["seconds"] / row["seconds"]
            row["memory_ratio_vs_baseline"] = row["peak_extra_mib"] / max(base["peak_extra_mib"], 1e-9)
    print_table(
        rows,
        [
            "scope",
            "ssm",
            "variant",
            "seconds",
            "peak_extra_mib",
            "speedup_vs_baseline",
            "memory_ratio_vs_baseline",
        ],
    )
    path = write_results(results_name("bench_core", args.quick), {"shape": shape, "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
