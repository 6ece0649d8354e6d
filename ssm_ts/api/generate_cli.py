"""``ssm-ts audio generate``: sample clips from a trained waveform model into WAV files and a spectrogram sheet.

ssm-ts audio generate --ckpt_path outputs/ssm-ts/checkpoints/last.ckpt --num 16 --seconds 1 --out samples/
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ssm_ts.errors import ConfigError

if TYPE_CHECKING:
    import torch


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssm-ts audio generate",
        description="Generate audio clips with a trained SaShiMi model (recurrent mode).",
    )
    parser.add_argument(
        "--ckpt_path", required=True, help="a .ckpt from 'ssm-ts audio fit' or an export folder"
    )
    parser.add_argument("--num", type=int, default=16, help="number of clips (default 16)")
    parser.add_argument("--seconds", type=float, default=1.0, help="clip length in seconds (default 1)")
    parser.add_argument(
        "--out",
        default="samples",
        help="output folder (default samples/); the sample_NNN.wav files of an earlier run there are replaced",
    )
    parser.add_argument("--temperature", type=float, default=1.0, help="logit temperature (default 1)")
    parser.add_argument("--top_p", type=float, default=None, help="nucleus sampling threshold in (0, 1]")
    parser.add_argument(
        "--batch_size",
        type=int,
        default=16,
        help="clips generated at once (default 16); a speed and memory setting: the clips do not change",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0): clip i depends on the seed and i alone"
    )
    parser.add_argument(
        "--prompt",
        default=None,
        help="an audio file every clip continues (any rate and channels: mixed to mono, resampled)",
    )
    parser.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    return parser


def resolve_device(name: str) -> torch.device:
    """The ``--device`` as a torch device, checked before the model loads (torch's own errors were
    'Found no NVIDIA driver' deep in ``.to`` or a list of every device type it knows)."""
    import torch

    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ConfigError(f"--device {name!r} is not a torch device; use cpu, cuda or cuda:N.") from err
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ConfigError(
                f"--device {name}: no CUDA GPU is visible here (torch.cuda.is_available() is False); "
                "use --device cpu, or run on a machine with a GPU and a CUDA build of torch."
            )
        if device.index is not None and device.index >= count:
            raise ConfigError(f"--device {name}: only {count} CUDA GPU(s) here (cuda:0..cuda:{count - 1}).")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f"--device {name}: Apple's MPS back-end is not available here; use --device cpu.")
    return device


def generate_command(argv: list[str]) -> int:
    """Parse ``argv``, generate, write ``sample_XXX.wav`` + ``spectrograms.png``; return the exit code."""
    import torch
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from ssm_ts.api.waveform import prompt_audio
    from ssm_ts.tasks.waveform import (
        check_generation,
        check_out_dir,
        clip_files,
        load_waveform_model,
        write_clips,
    )

    args = build_parser().parse_args(argv)
    if args.num < 1 or args.batch_size < 1:
        raise ConfigError(f"need --num >= 1 and --batch_size >= 1; got {args.num}, {args.batch_size}")
    device = resolve_device(args.device)
    check_out_dir(Path(args.out), "--out")  # before generating, which can take minutes
    console = Console(stderr=True)
    task = load_waveform_model(args.ckpt_path).to(device)
    rate = int(task.hparams.sample_rate)
    # the same checks and messages as WaveformGenerator.generate (nan/inf seconds, temperature, top_p)
    n_samples = check_generation(args.num, args.seconds, rate, args.temperature, args.top_p, args.seed)[1]
    prompt = None
    if args.prompt is not None:
        prompt = task.quantizer.encode(prompt_audio(args.prompt, 1, rate, n_samples=n_samples)).to(device)
    clips = []
    start = time.perf_counter()
    with Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} samples"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        bar = progress.add_task("generate", total=args.num * n_samples)
        for first in range(0, args.num, args.batch_size):
            n = min(args.batch_size, args.num - first)
            done = first * n_samples
            codes = task.generate_codes(
                n,
                n_samples,
                temperature=args.temperature,
                top_p=args.top_p,
                prompt=None if prompt is None else prompt.expand(n, -1),
                seed=args.seed,
                first_clip=first,  # clip i is clip i of the seed, whatever --batch_size
                on_progress=lambda t, done=done, n=n: progress.update(bar, completed=done + t * n),
            )
            clips.append(task.quantizer.decode(codes).cpu())
    elapsed = time.perf_counter() - start
    earlier = clip_files(Path(args.out))  # write_clips replaces them: say so
    paths = write_clips(torch.cat(clips), rate, Path(args.out))
    if earlier:
        console.print(f"[yellow]replaced[/yellow] the {len(earlier)} clip(s) of an earlier run in {args.out}")
    console.print(
        f"[green]wrote[/green] {args.num} clips of {args.seconds:g} s and {paths[-1].name} to {args.out} "
        f"({args.num * n_samples / elapsed:,.0f} samples/s)"
    )
    return 0
