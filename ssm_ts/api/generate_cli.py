"""``ssm-ts audio generate``: sample clips from a trained waveform model into WAV files and a spectrogram sheet.

ssm-ts audio generate --config audio_digits_quick --ckpt_path last --num 16 --seconds 1 --out samples/
ssm-ts audio generate --ckpt_path last --out outputs/audio_digits_quick --num 16 --seconds 1
ssm-ts audio generate --ckpt_path path/to/last.ckpt --num 16 --seconds 1 --out samples/
ssm-ts audio generate --ckpt_path outputs/audio_digits_quick --num 16  # a fit's --out: its export/

``--ckpt_path best`` / ``last`` name the newest such checkpoint of a fit: under the ``out:`` of
``--config`` (the fit's config), else under ``--out`` (as for ``ssm-ts audio predict``), else under the
fit's default ``outputs/audio``. The clips go to ``--out``; without it, into the fit's folder.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ssm_ts.errors import CheckpointError, ConfigError
from ssm_ts.tasks.waveform_generation import OptionSpelling

if TYPE_CHECKING:
    import torch


# the --out of ``ssm-ts audio fit`` when neither it nor its config names one: where best/last are looked for
FIT_DEFAULT_OUT = "outputs/audio"

# the options as this command's user writes them, for the checks it shares with WaveformGenerator.generate
# (which name them as Python keywords: "seconds=1e-05" to a user who typed --seconds 1e-05)
CLI_OPTIONS = OptionSpelling(flags=True, renamed={"n": "num"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssm-ts audio generate",
        description="Generate audio clips with a trained SaShiMi model (recurrent mode).",
        allow_abbrev=False,  # --sec is a typo, not --seconds (as the fit/predict commands answer it)
    )
    parser.add_argument(
        "--ckpt_path",
        required=True,
        help="a .ckpt from 'ssm-ts audio fit', an export folder (or the --out of a fit, for the export/ in "
        "it), or 'best' / 'last': the newest such checkpoint of a fit under --out",
    )
    parser.add_argument(
        "--config",
        default=None,
        help="the fit's config (a YAML file or a shipped config's name): best/last are looked for under its "
        "out:, which is also the default --out",
    )
    parser.add_argument("--num", type=int, default=16, help="number of clips (default 16)")
    parser.add_argument("--seconds", type=float, default=1.0, help="clip length in seconds (default 1)")
    parser.add_argument(
        "--out",
        default=None,
        help="output folder (default samples/; with --ckpt_path best/last the fit's folder: --config's out:, "
        f"else {FIT_DEFAULT_OUT}, where best/last are looked for without --config); the sample_NNN.wav files "
        "of an earlier run there are replaced",
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
        help="an audio file every clip continues (any channels, mixed to mono; at another rate, resampled to "
        "the model's)",
    )
    parser.add_argument(
        "--prompt_seconds",
        type=float,
        default=None,
        help="use only the first seconds of --prompt (default: all of it); --seconds counts them",
    )
    parser.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    return parser


def resolve_checkpoint(ckpt_path: str, out: str | None, config: str | None) -> tuple[str, str]:
    """``(checkpoint or export path, output folder)`` of ``--ckpt_path`` / ``--out`` / ``--config``.

    ``best`` / ``last`` are resolved as validate/test/predict resolve them: the newest ``best-*.ckpt`` /
    ``last.ckpt`` in the fit's folder, the config's ``out:`` (so ``--out`` can name where the clips go),
    else ``--out``, else the fit's default folder; a CheckpointError says what to pass when there is
    none. A path is used as given, but for a fit's ``--out`` or a downloaded MLflow model: the export
    in it (``<out>/export``), as ``WaveformGenerator.load`` takes them. The clips go to ``--out``, by
    default the fit's folder (a path's: the config's ``out:``, else ``samples``)."""
    from ssm_ts.export import export_folder
    from ssm_ts.training import BEST_CHECKPOINT_PREFIX, NAMED_CHECKPOINTS, resolve_named_checkpoint

    named = ckpt_path in NAMED_CHECKPOINTS
    config_out = _config_out(config) if config is not None else None
    if not named:
        # a fit's --out (or a downloaded MLflow model) stands for the export in it, as WaveformGenerator.load
        # takes it; several exports in it are named, to pick one
        found = export_folder(ckpt_path)
        path = ckpt_path if found == Path(ckpt_path).expanduser() else str(found)
        return path, out or config_out or "samples"
    fit_out = config_out or out or FIT_DEFAULT_OUT
    try:
        found = resolve_named_checkpoint(ckpt_path, fit_out)
    except CheckpointError as err:
        if config_out is None:
            raise
        # the folder is the config's out:, not a --out the user gave (which, with --config, names where
        # the clips go): say so, and how to name the folder of a fit run with its own --out
        pattern = "last.ckpt" if ckpt_path == "last" else f"{BEST_CHECKPOINT_PREFIX}*.ckpt"
        raise CheckpointError(
            f"--ckpt_path {ckpt_path}: no {pattern} under {config_out}, the out: of --config {config} (where "
            "its fit writes unless given another --out; with --config, --out names where the clips go). "
            "For a fit run with --out DIR: drop --config and pass --out DIR, or pass the checkpoint's path "
            f"(DIR/<experiment id>/<run id>/checkpoints/{pattern})"
        ) from err
    return str(found), out or fit_out


def _config_out(value: str) -> str | None:
    """The ``out:`` of ``--config`` (a YAML file, YAML text or a shipped config's name), as the fit read it."""
    import yaml

    from ssm_ts.packaged_configs import resolve_config_value
    from ssm_ts.tasks.checkpoint_use import counterpart_command
    from ssm_ts.tasks.config_use import check_config_use, command_for

    resolved, _ = resolve_config_value(value, "audio")
    try:
        path = Path(resolved).expanduser()
        content = yaml.safe_load(path.read_text() if path.is_file() else resolved)
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"--config {value}: cannot read it as YAML ({err})") from err
    if content is None:
        return None
    if not isinstance(content, dict):
        raise ConfigError(
            f"--config {value}: expected a YAML mapping (model:, data:, out: ...), got {content!r}"
        )
    # a config of another use (a forecast config): the message the other commands give
    check_config_use(value, content, "audio", command_for(content, counterpart_command("generate")))
    out = content.get("out")
    return None if out is None else str(out)


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
    if args.prompt_seconds is not None and args.prompt is None:
        raise ConfigError("--prompt_seconds is the length of the prompt to use; give --prompt FILE too")
    device = resolve_device(args.device)
    console = Console(stderr=True)
    ckpt_path, args.out = resolve_checkpoint(args.ckpt_path, args.out, args.config)
    if ckpt_path != args.ckpt_path:
        console.print(f"using {ckpt_path}", markup=False, highlight=False)
    check_out_dir(Path(args.out), "--out")  # before generating, which can take minutes
    task = load_waveform_model(ckpt_path, CLI_OPTIONS).to(device)
    rate = int(task.hparams.sample_rate)
    # the same checks as WaveformGenerator.generate (nan/inf seconds, temperature, top_p), naming --seconds
    n_samples = check_generation(
        args.num, args.seconds, rate, args.temperature, args.top_p, args.seed, CLI_OPTIONS
    )[1]
    prompt = None
    if args.prompt is not None:
        audio = prompt_audio(
            args.prompt,
            1,
            rate,
            n_samples=n_samples,
            prompt_seconds=args.prompt_seconds,
            spelling=CLI_OPTIONS,
        )
        prompt = task.quantizer.encode(audio).to(device)
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
