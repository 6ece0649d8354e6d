"""Recurrent generation speed of SaShiMi (default SC09 sizes): samples per second at batch 1 and 32.

    python benchmarks/generation_speed.py [--samples 4096] [--repeats 3] [--device cpu|cuda]

Targets on CPU: batch 1 >= 1,000 samples/s (the public s4 recurrent mode: ~42 samples/s on this
machine), batch 32 >= 16,000 samples/s in total. Weights are random (speed does not depend on
them). Also reported: the composed module ``step`` path (the reference) at batch 1, and the
convolution-mode forward throughput for comparison. Writes results/generation_speed.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_time, print_table, write_results  # noqa: E402

from ssm_ts.models.sashimi import SaShiMi, sashimi_config  # noqa: E402
from ssm_ts.models.sashimi_recurrent import SaShiMiRecurrence  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=4096, help="samples generated per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--preset", default="sc09")
    args = parser.parse_args()

    torch.manual_seed(0)
    device = torch.device(args.device)
    model = SaShiMi.from_config(sashimi_config(args.preset)).to(device).eval()
    rec = SaShiMiRecurrence(model)
    rows = []
    for batch in args.batches:
        seconds = median_time(lambda b=batch: rec.generate(b, args.samples, 128), repeats=args.repeats)
        rows.append(
            {
                "path": "fast recurrence",
                "batch": batch,
                "samples_per_s": batch * args.samples / seconds,
                "ms_per_step": 1000 * seconds / args.samples,
            }
        )
    # The reference: composed module steps (SSMBlock.step etc.), batch 1, fewer samples.
    n_ref = min(512, args.samples)
    with torch.inference_mode():

        def reference() -> None:
            state = model.default_state(1)
            code = torch.full((1,), 128, device=device)
            for _ in range(n_ref):
                logits, state = model.step(code, state)
                code = logits.argmax(-1)

        seconds = median_time(reference, repeats=1)
    rows.append(
        {
            "path": "module step (reference)",
            "batch": 1,
            "samples_per_s": n_ref / seconds,
            "ms_per_step": 1000 * seconds / n_ref,
        }
    )
    with torch.inference_mode():
        codes = torch.randint(0, 256, (1, 16000), device=device)
        start = time.perf_counter()
        model(codes)
        conv = time.perf_counter() - start
    rows.append(
        {"path": "forward (conv mode, 1 s)", "batch": 1, "samples_per_s": 16000 / conv, "ms_per_step": ""}
    )
    print_table(rows, ["path", "batch", "samples_per_s", "ms_per_step"])
    path = write_results(
        "generation_speed",
        {
            "device": str(device),
            "preset": args.preset,
            "samples_per_run": args.samples,
            "repeats": args.repeats,
            "threads_during_generation": 1 if device.type == "cpu" else None,
            "rows": rows,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
