"""Test NLL (bits per sample) of SaShiMi after a fixed CPU training budget, beside mu-law n-gram floors.

    python benchmarks/audio_nll.py --minutes 20 [--preset small] [--datasets fsdd espeak-digits]
        [--train_crop_seconds 0.25] [--threads 1] [--eval_split val]

The budget is process CPU time (``time.process_time``: what the training actually received on a
shared machine; one thread by default), with a wall-clock cap; both are reported. The learning rate
follows the budget (whichever of the two ends first): linear warm-up over the first 2 %, then
cosine decay to 5 % at its end.
Training reads random crops of ``--train_crop_seconds`` (more, shorter updates per CPU minute);
validation and test score every sample of each recording, in consecutive one-second clips
(``clip_seconds=1.0``; the last one padded). espeak-digits' clips are all one second or less: one
clip each. Of FSDD's 3,000 recordings 20 are over one second (up to 2.3 s); the two of them in the
test split (none in validation) are scored whole, in two clips each, so ``n_test`` counts 302 clips
of 300 files (results written before the data module scored whole files held each recording's first
second alone). ``--eval_split val`` scores the chosen checkpoint on validation instead of test (for
choosing settings without reading the test split).

Data: ../shared/data/audio/fsdd (8 kHz recordings resampled to 16 kHz; official split: recording
index 0-4 is test) and ../shared/data/audio/espeak-digits (its Speech Commands lists). Clips are
one second, 8-bit mu-law; shorter recordings (and a longer one's last clip) are padded and the
padding is masked out of every figure (model and floors alike). Floors, computed here on the same
test samples from train counts: unigram p(x) and bigram p(x_t | x_{t-1}) (the first sample
conditioned on silence, as the model sees it), add-0.5 smoothed toward the unigram. For
espeak-digits, whose clips carry white Gaussian background noise at -55 dBFS by construction, also
the noise floor: the NLL that an oracle knowing every clean waveform would still pay for that noise
(``noise_floor_bits``, about 3.85 bits). The target there (bigram - 1.5 = 4.00 bits) is within 0.15
bits of that oracle. The best epoch is chosen on validation NLL; the test split is read once at the
end. Target: at least 1.5 bits below the bigram floor. Writes ``results/audio_nll.json``
(``audio_nll_val.json`` with ``--eval_split val``; one data set per run adds
its name: ``audio_nll_fsdd.json``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA_SOURCES, positive, print_table, require_folder, write_results  # noqa: E402
from lightning.pytorch.callbacks import Callback  # noqa: E402

from ssm_ts.pipelines.audio import AudioDataModule  # noqa: E402
from ssm_ts.pipelines.audio.datamodule import ClipDataset  # noqa: E402
from ssm_ts.tasks.waveform import WaveformTask, load_waveform_model  # noqa: E402
from ssm_ts.training import build_trainer  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "audio"
SPLITS = {"fsdd": "fsdd", "espeak-digits": "lists"}
# Background noise the data set was made with (dBFS RMS, white Gaussian): espeak-digits' generator
# (make_digits.py, --noise-db -55). FSDD's real recordings have no known noise level.
NOISE_DBFS = {"espeak-digits": -55.0}


def _codes_and_masks(dataset) -> tuple[torch.Tensor, torch.Tensor]:
    items = [dataset[i] for i in range(len(dataset))]
    codes = torch.stack([c for c, _ in items])
    lengths = torch.stack([n for _, n in items])
    return codes, torch.arange(codes.shape[1]) < lengths.unsqueeze(1)


def ngram_floors(train, test, n_classes: int, silence: int, alpha: float = 0.5) -> dict[str, float]:
    """Unigram and bigram test NLL in bits per (real) sample, fitted on the train clips."""
    tr_codes, tr_mask = _codes_and_masks(train)
    te_codes, te_mask = _codes_and_masks(test)
    uni = torch.bincount(tr_codes[tr_mask], minlength=n_classes).double() + alpha
    p_uni = uni / uni.sum()

    def previous(codes):
        return torch.cat([torch.full_like(codes[:, :1], silence), codes[:, :-1]], dim=1)

    pairs = previous(tr_codes)[tr_mask] * n_classes + tr_codes[tr_mask]
    counts = torch.bincount(pairs, minlength=n_classes * n_classes).double().reshape(n_classes, n_classes)
    p_bi = (counts + alpha * n_classes * p_uni) / (counts.sum(1, keepdim=True) + alpha * n_classes)
    x, prev = te_codes[te_mask], previous(te_codes)[te_mask]
    return {
        "unigram_bits": float(-torch.log2(p_uni[x]).mean()),
        "bigram_bits": float(-torch.log2(p_bi[prev, x]).mean()),
        "test_samples": int(te_mask.sum()),
    }


def noise_floor_bits(waves: list[torch.Tensor], quantizer, noise_rms: float, clip_samples: int) -> float:
    """Mean code entropy (bits per sample) that independent Gaussian noise of ``noise_rms`` alone leaves.

    An oracle that knows each clip's clean waveform still has to predict the code of it plus the
    noise (``Quantizer.noise_entropy_bits``). The clean waveform is not on disk, so the observed one
    stands in for it (near silence this spreads the bins a little less than the true zero would: the
    estimate errs low).
    """
    pieces = [wave[:clip_samples] for wave in waves]
    bits = [quantizer.noise_entropy_bits(piece, noise_rms) for piece in pieces]
    return sum(b * p.numel() for b, p in zip(bits, pieces, strict=True)) / sum(p.numel() for p in pieces)


class CPUBudget(Callback):
    """Stop after ``minutes`` of process CPU time or ``wall_minutes``, whichever ends first; the lr warms
    up, then decays (cosine) over that budget."""

    def __init__(self, minutes: float, wall_minutes: float, warmup: float = 0.02, final: float = 0.05):
        self.budget, self.wall_budget = 60.0 * minutes, 60.0 * wall_minutes
        self.warmup, self.final = warmup, final
        self.start, self.wall_start = time.process_time(), time.perf_counter()
        self.base: list[float] | None = None

    def used(self) -> float:
        return time.process_time() - self.start

    def fraction(self) -> float:
        wall = (time.perf_counter() - self.wall_start) / self.wall_budget
        return min(1.0, max(self.used() / self.budget, wall))

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        optimizer = trainer.optimizers[0]
        if self.base is None:
            self.base = [g["lr"] for g in optimizer.param_groups]
        frac = self.fraction()
        if frac < self.warmup:
            scale = (frac + 1e-3) / self.warmup
        else:
            cos = 0.5 * (1 + math.cos(math.pi * (frac - self.warmup) / (1 - self.warmup)))
            scale = self.final + (1 - self.final) * cos
        for group, lr in zip(optimizer.param_groups, self.base, strict=True):
            group["lr"] = lr * scale

    def on_train_batch_end(self, trainer, *args) -> None:
        if self.fraction() >= 1.0:
            trainer.should_stop = True


def run(name: str, args) -> dict:
    start = time.perf_counter()
    dm = AudioDataModule(
        str(args.data / name),
        sample_rate=args.sample_rate,
        clip_seconds=1.0,
        split=SPLITS[name],
        batch_size=args.batch_size,
    )
    dm.setup()
    floors = ngram_floors(dm.datasets["train"], dm.datasets["test"], dm.n_classes, dm.quantizer.silence)
    if NOISE_DBFS.get(name) is not None:
        noise_rms = 10 ** (NOISE_DBFS[name] / 20)
        test = dm.datasets["test"]
        floors["noise_floor_bits"] = noise_floor_bits(test.waves, dm.quantizer, noise_rms, test.clip_samples)
    if args.train_crop_seconds:
        # Random windows of the training clips (val/test score whole recordings): more updates per CPU minute.
        train = dm.datasets["train"]
        crop = int(round(args.train_crop_seconds * dm.sample_rate))
        dm.datasets["train"] = ClipDataset(train.waves, crop, dm.quantizer, crop="random")
    load_s = time.perf_counter() - start
    sizes = {k: getattr(args, k) for k in ("d_model", "n_layers", "d_state")}
    task = WaveformTask(preset=args.preset, lr=args.lr, lr_schedule="none", **sizes)
    budget = CPUBudget(args.minutes, args.max_wall_minutes)
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        trainer = build_trainer(
            max_epochs=10_000,
            out_dir=out,
            callbacks=[budget],
            gradient_clip_val=1.0,
            limit_val_batches=args.val_batches,
            check_val_every_n_epoch=args.val_every_epochs,
        )
        trainer.fit(task, datamodule=dm)
        cpu_minutes, wall_minutes = budget.used() / 60, (time.perf_counter() - wall) / 60
        # The budget may end between validation checks: the final weights compete with the best checkpoint.
        final_val = float(trainer.validate(task, datamodule=dm, verbose=False)[0]["val_loss"])
        best_val = trainer.checkpoint_callback.best_model_score
        best = trainer.checkpoint_callback.best_model_path
        model = (
            task
            if not best or best_val is None or final_val <= float(best_val)
            else load_waveform_model(best)
        )
        split = args.eval_split
        loader = dm.val_dataloader() if split == "val" else dm.test_dataloader()
        scored = trainer.test(model, dataloaders=loader, verbose=False)[0]
        steps = trainer.global_step
    nll = float(scored["test_nll_bits"])
    return {
        "dataset": name,
        "rate": dm.sample_rate,
        "model": f"{args.preset} {sizes}",
        "params": sum(p.numel() for p in model.parameters()),
        "cpu_minutes": round(cpu_minutes, 1),
        "wall_minutes": round(wall_minutes, 1),
        "train_steps": steps,
        "scored_split": split,
        "nll_bits": nll,
        **floors,
        "below_bigram_bits": floors["bigram_bits"] - nll,
        "data_load_s": load_s,
        "n_train": len(dm.datasets["train"]),
        "n_test": len(dm.datasets["test"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--minutes", type=positive, default=20, help="training budget per data set (CPU minutes)"
    )
    parser.add_argument("--max_wall_minutes", type=positive, default=60, help="wall-clock cap per data set")
    parser.add_argument("--datasets", nargs="+", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--preset", default="small", choices=["sc09", "small", "tiny"])
    parser.add_argument(
        "--sample_rate", type=int, default=16000, help="Hz (floors computed at the same rate)"
    )
    parser.add_argument("--d_model", type=int, default=None)
    parser.add_argument("--n_layers", type=int, default=None)
    parser.add_argument("--d_state", type=int, default=None)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--train_crop_seconds", type=float, default=0.25, help="0: whole clips")
    parser.add_argument("--eval_split", default="test", choices=["val", "test"])
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--val_batches", type=int, default=4, help="validation batches per check")
    parser.add_argument("--val_every_epochs", type=int, default=2, help="epochs between validation checks")
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="folder with fsdd/ and espeak-digits/ (default: ../shared/data/audio)",
    )
    args = parser.parse_args()
    require_folder(args.data, "--data", DATA_SOURCES["audio"], default=DATA)
    for name in args.datasets:
        require_folder(args.data / name, "--data", DATA_SOURCES["audio"])
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = [run(name, args) for name in args.datasets]
    print_table(
        rows,
        [
            "dataset",
            "rate",
            "model",
            "cpu_minutes",
            "wall_minutes",
            "train_steps",
            "scored_split",
            "nll_bits",
            "unigram_bits",
            "bigram_bits",
            "below_bigram_bits",
            "noise_floor_bits",
        ],
    )
    ok = all(r["below_bigram_bits"] >= 1.5 for r in rows)
    verdict = "met" if ok else "NOT met"
    print(f"target (>= 1.5 bits below the bigram floor on every set, {args.eval_split} split): {verdict}")
    name = "audio_nll" + ("" if args.eval_split == "test" else "_val")
    if len(args.datasets) == 1:  # one data set per process (run in parallel): one file each
        name += f"_{args.datasets[0]}"
    settings = {k: v for k, v in vars(args).items() if k != "data"}
    print(f"wrote {write_results(name, {'rows': rows, 'target_met': ok, 'settings': settings})}")


if __name__ == "__main__":
    main()
