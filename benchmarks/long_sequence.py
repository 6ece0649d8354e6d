"""Memory and time of an SSM block on one long sequence (L = 65,536) on the CPU.

Target (issue 8): peak memory under 4 GB for fwd+bwd of an SSMBlock. Each case runs in its own
subprocess so its peak resident memory is its own.

    python benchmarks/long_sequence.py                 # S4D and S4 blocks, H = 64, N = 64, batch 1
    python benchmarks/long_sequence.py --length 16384  # other lengths
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import current_rss_mib, median_time, peak_rss_mib, print_table, write_results  # noqa: E402

TARGET_GIB = 4.0


def run_case(ssm: str, length: int, H: int, N: int, batch: int, repeats: int) -> dict:
    from ssm_ts.core import SSMBlock

    torch.manual_seed(0)
    block = SSMBlock(d_model=H, ssm=ssm, d_state=N)
    x = torch.randn(batch, length, H, requires_grad=True)
    baseline = current_rss_mib()

    def forward_only():
        with torch.no_grad():
            block(x)

    def fwd_bwd():
        block.zero_grad(set_to_none=True)
        block(x).square().mean().backward()

    forward_seconds = median_time(forward_only, repeats=repeats)
    seconds = median_time(fwd_bwd, repeats=repeats)
    peak_gib = peak_rss_mib() / 1024
    return {
        "ssm": ssm,
        "length": length,
        "forward_seconds": forward_seconds,
        "fwd_bwd_seconds": seconds,
        "peak_rss_gib": peak_gib,
        "rss_before_gib": baseline / 1024,
        "under_target": peak_gib < TARGET_GIB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--length", type=int, default=65536)
    parser.add_argument("--d_model", type=int, default=64)
    parser.add_argument("--d_state", type=int, default=64)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ssms", nargs="+", default=["diagonal", "dplr"])
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = dict(length=args.length, H=args.d_model, N=args.d_state, batch=args.batch, repeats=args.repeats)
    if args.case:
        print(json.dumps(run_case(args.case, **shape)))
        return
    rows = []
    for ssm in args.ssms:
        command = [sys.executable, __file__, "--case", ssm, "--length", str(args.length)]
        command += [
            "--d_model",
            str(args.d_model),
            "--d_state",
            str(args.d_state),
            "--batch",
            str(args.batch),
        ]
        command += ["--repeats", str(args.repeats)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_table(rows, ["ssm", "length", "forward_seconds", "fwd_bwd_seconds", "peak_rss_gib", "under_target"])
    print(f"wrote {write_results('long_sequence', {'shape': shape, 'target_gib': TARGET_GIB, 'rows': rows})}")


if __name__ == "__main__":
    main()
