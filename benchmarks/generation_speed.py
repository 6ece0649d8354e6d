"""Recurrent generation speed of SaShiMi (default SC09 sizes): samples per second at batch 1 and 32.

    python benchmarks/generation_speed.py [--samples 4096] [--repeats 3] [--threads 1 2] [--device cpu|cuda]

Rates are medians over ``--repeats`` runs, by the wall clock and by process CPU time (the figure
that does not depend on other jobs sharing the machine; equal to wall time on an idle core).
Targets on CPU: batch 1 >= 1,000 samples/s (the public s4 recurrent mode: ~42 samples/s on this
machine), batch 32 >= 16,000 samples/s in total. Weights are random (speed does not depend on
them). Also reported: the composed module ``step`` path (the reference) at batch 1, and the
convolution-mode forward throughput for comparison. Writes results/generation_speed.json.

The arithmetic printed first: FLOPs per generated sample (every level, the pooled ones stepping
every 4th / 16th sample; matmuls counted exactly, the diagonal state update as 14 FLOPs per complex
mode), and the GEMM ceiling: the sustained rate of the model's own small matmuls at each batch,
timed alone with torch on this machine (process CPU time), i.e. the samples/s that the matmuls alone would allow.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import check_device, median_time, positive_count, print_table, write_results  # noqa: E402

from ssm_ts.core import SSMBlock  # noqa: E402
from ssm_ts.models.sashimi import FeedForwardBlock, SaShiMi, SaShiMiLevel, sashimi_config  # noqa: E402
from ssm_ts.models.sashimi_recurrent import SaShiMiRecurrence  # noqa: E402


def step_workload(model: SaShiMi) -> tuple[list[tuple[int, int, float]], float]:
    """The matmuls of one generated sample as ``(d_in, d_out, calls per sample)``, and the state-update FLOPs."""
    matmuls: list[tuple[int, int, float]] = [(model.d_model, model.n_classes, 1.0)]
    state_flops = 0.0

    def visit(level: SaShiMiLevel, rate: float) -> None:
        nonlocal state_flops
        for layer in level.layers:
            if isinstance(layer, SSMBlock):
                out = layer.output[0]
                matmuls.append((out.in_features, out.out_features, rate))
                modes = layer.conv.ssm.d_state // 2  # conjugate pairs: N / 2 complex modes per channel
                state_flops += rate * level.d_model * modes * 14  # dA s + dB u (10), 2 Re(C s) (4)
            elif isinstance(layer, FeedForwardBlock):
                matmuls.append((layer.inner.in_features, layer.inner.out_features, rate))
                matmuls.append((layer.outer.in_features, layer.outer.out_features, rate))
        if level.down is not None:
            coarse = rate / level.down.factor
            matmuls.append((level.down.linear.in_features, level.down.linear.out_features, coarse))
            matmuls.append((level.up.linear.in_features, level.up.linear.out_features, coarse))
            visit(level.inner, coarse)

    visit(model.body, 1.0)
    return matmuls, state_flops


def synchronize() -> None:
    """Wait for queued GPU work, so that wall times cover it (CUDA launches return at once)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def wall_and_cpu_time(fn, repeats: int) -> tuple[float, float]:
    """Medians of wall seconds and process CPU seconds of ``fn()`` over ``repeats`` runs (after one warm-up).

    On a shared machine the CPU time is the load-independent figure: with one thread it equals
    the wall time the same run would take on an idle core.
    """
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        synchronize()
        w, c = time.perf_counter(), time.process_time()
        fn()
        synchronize()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def _addmm_seconds(batch: int, d_in: int, d_out: int, repeats: int, n: int = 200) -> float:
    """Median CPU seconds of one ``addmm`` (batch, d_in) @ (d_in, d_out) + bias, timed over ``n`` back-to-back calls."""
    a, w, b = torch.randn(batch, d_in), torch.randn(d_in, d_out), torch.randn(d_out)
    out = torch.empty(batch, d_out)

    def calls() -> None:
        for _ in range(n):
            torch.addmm(b, a, w, out=out)

    return wall_and_cpu_time(calls, repeats)[1] / n  # CPU time: one thread, robust to other jobs


def gemm_ceiling(matmuls: list[tuple[int, int, float]], batch: int, repeats: int) -> tuple[float, float]:
    """(GFLOP/s sustained by the model's matmuls at ``batch`` rows, samples/s they alone would allow)."""
    seconds_per_sample, flops = 0.0, 0.0
    for d_in, d_out, calls in matmuls:
        seconds = _addmm_seconds(batch, d_in, d_out, repeats)
        seconds_per_sample += calls * seconds / batch
        flops += calls * 2 * d_in * d_out
    return flops / seconds_per_sample / 1e9, 1 / seconds_per_sample


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--samples", type=positive_count, default=4096, help="samples generated per timed run"
    )
    parser.add_argument(
        "--eager-samples",
        type=positive_count,
        default=512,
        help="CUDA: samples per run without CUDA graphs (slow)",
    )
    parser.add_argument("--repeats", type=positive_count, default=3)
    parser.add_argument("--batches", type=positive_count, nargs="+", default=[1, 32])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--preset", default="sc09")
    parser.add_argument(
        "--threads", type=positive_count, nargs="+", default=[1], help="CPU threads during generation"
    )
    args = parser.parse_args()
    check_device(args.device)

    torch.manual_seed(0)
    device = torch.device(args.device)
    model = SaShiMi.from_config(sashimi_config(args.preset)).to(device).eval()
    rec = SaShiMiRecurrence(model)
    matmuls, state_flops = step_workload(model)
    gemm_flops = sum(2 * d_in * d_out * calls for d_in, d_out, calls in matmuls)
    arithmetic = {"gemm_mflop_per_sample": gemm_flops / 1e6, "state_mflop_per_sample": state_flops / 1e6}
    print(
        f"per generated sample: {gemm_flops / 1e6:.3f} MFLOP in matmuls + {state_flops / 1e6:.3f} MFLOP "
        f"in the diagonal state updates; 16,000 samples/s need {16000 * (gemm_flops + state_flops) / 1e9:.1f} GFLOP/s"
    )
    rows = []
    # On CUDA the fast recurrence replays captured CUDA graphs of the step; the same without graphs
    # (every op launched one by one) is timed beside it.
    paths = [("fast recurrence", True)]
    if device.type == "cuda":
        paths = [("fast recurrence, CUDA graphs", True), ("fast recurrence, no graphs", False)]
    for threads in args.threads if device.type == "cpu" else [None]:
        for batch in args.batches:
            if threads is not None:
                torch.set_num_threads(threads)
                rate, ceiling = gemm_ceiling(matmuls, batch, args.repeats)
                arithmetic[f"gemm_gflops_batch{batch}_threads{threads}"] = rate
                arithmetic[f"gemm_ceiling_samples_per_s_batch{batch}_threads{threads}"] = ceiling
            rec.threads = threads
            for path, graphs in paths:
                rec.cuda_graphs = graphs
                samples = args.samples if graphs else min(args.samples, args.eager_samples)
                seconds, cpu_seconds = wall_and_cpu_time(
                    lambda b=batch, n=samples: rec.generate(b, n, 128), args.repeats
                )
                rows.append(
                    {
                        "path": path,
                        "batch": batch,
                        "threads": threads or "",
                        "repeats": args.repeats,
                        "samples_per_s": batch * samples / seconds,
                        "samples_per_cpu_s": batch * samples / cpu_seconds,
                        "ms_per_step": 1000 * seconds / samples,
                        "gemm_gflops": rate if threads else "",
                        "gemm_only_samples_per_s": ceiling if threads else "",
                    }
                )
                print(rows[-1], flush=True)
    rec.cuda_graphs = True
    torch.set_num_threads(args.threads[0] if device.type == "cpu" else torch.get_num_threads())
    # The reference: composed module steps (SSMBlock.step etc.), batch 1, fewer samples.
    n_ref = min(512, args.samples)
    with torch.inference_mode():

        def reference() -> None:
            state = model.default_state(1)
            code = torch.full((1,), 128, device=device)
            for _ in range(n_ref):
                logits, state = model.step(code, state)
                code = logits.argmax(-1)
            synchronize()

        seconds = median_time(reference, repeats=args.repeats)  # the same repeats as the fast path's
    rows.append(
        {
            "path": "module step (reference)",
            "batch": 1,
            "threads": args.threads[0] if device.type == "cpu" else "",
            "repeats": args.repeats,
            "samples_per_s": n_ref / seconds,
            "ms_per_step": 1000 * seconds / n_ref,
        }
    )
    with torch.inference_mode():
        codes = torch.randint(0, 256, (1, 16000), device=device)

        def forward() -> None:
            model(codes)
            synchronize()

        conv = median_time(forward, repeats=args.repeats)  # after a warm-up (FFT plans, CUDA compilation)
    rows.append(
        {
            "path": "forward (conv mode, 1 s)",
            "batch": 1,
            "threads": args.threads[0] if device.type == "cpu" else "",
            "repeats": args.repeats,
            "samples_per_s": 16000 / conv,
            "ms_per_step": "",
        }
    )
    columns = ["path", "batch", "threads", "repeats", "samples_per_s", "samples_per_cpu_s", "ms_per_step"]
    print_table(rows, [*columns, "gemm_gflops", "gemm_only_samples_per_s"])
    path = write_results(
        "generation_speed",
        {
            "device": str(device),
            "preset": args.preset,
            "samples_per_run": args.samples,
            "repeats": args.repeats,
            "fused_cpu_kernel": any(rec.top.fused),
            "arithmetic": arithmetic,
            "rows": rows,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
