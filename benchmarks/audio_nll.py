"""Test NLL (bits per sample) of SaShiMi after a fixed CPU training budget, beside mu-law n-gram floors.

    python benchmarks/audio_nll.py --minutes 20 [--preset small] [--datasets fsdd espeak-digits]

Data: ../shared/data/audio/fsdd (8 kHz recordings resampled to 16 kHz; official split: recording
index 0-4 is test) and ../shared/data/audio/espeak-digits (its Speech Commands lists). Clips are
one second, 8-bit mu-law; shorter recordings are padded and the padding is masked out of every
figure (model and floors alike). Floors, computed here on the same test samples from train counts:
unigram p(x) and bigram p(x_t | x_{t-1}) (the first sample conditioned on silence, as the model
sees it), add-0.5 smoothed toward the unigram. The best epoch is chosen on validation NLL; the test
split is read once at the end. Target: at least 1.5 bits below the bigram floor. Writes
results/audio_nll.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import print_table, write_results  # noqa: E402

from ssm_ts.pipelines.audio import AudioDataModule  # noqa: E402
from ssm_ts.tasks.waveform import WaveformTask, load_waveform_model  # noqa: E402
from ssm_ts.training import build_trainer  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "audio"
SPLITS = {"fsdd": "fsdd", "espeak-digits": "lists"}


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


def run(name: str, args) -> dict:
    start = time.perf_counter()
    dm = AudioDataModule(
        str(args.data / name),
        sample_rate=16000,
        clip_seconds=1.0,
        split=SPLITS[name],
        batch_size=args.batch_size,
    )
    dm.setup()
    floors = ngram_floors(dm.datasets["train"], dm.datasets["test"], dm.n_classes, dm.quantizer.silence)
    load_s = time.perf_counter() - start
    task = WaveformTask(preset=args.preset, lr=args.lr, lr_schedule="none")
    minutes = args.minutes
    with tempfile.TemporaryDirectory() as out:
        trainer = build_trainer(
            max_epochs=10_000,
            out_dir=out,
            max_time=f"00:00:{minutes:02d}:00",
            gradient_clip_val=1.0,
            limit_val_batches=args.val_batches,
            val_check_interval=args.val_every,
        )
        trainer.fit(task, datamodule=dm)
        best = trainer.checkpoint_callback.best_model_path or trainer.checkpoint_callback.last_model_path
        model = load_waveform_model(best)
        test = trainer.test(model, datamodule=dm, verbose=False)[0]
        steps = trainer.global_step
    return {
        "dataset": name,
        "preset": args.preset,
        "minutes": minutes,
        "train_steps": steps,
        "test_nll_bits": float(test["test_nll_bits"]),
        **floors,
        "below_bigram_bits": floors["bigram_bits"] - float(test["test_nll_bits"]),
        "data_load_s": load_s,
        "n_train": len(dm.datasets["train"]),
        "n_test": len(dm.datasets["test"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=20, help="training budget per data set (wall clock)")
    parser.add_argument("--datasets", nargs="+", default=list(SPLITS), choices=list(SPLITS))
    parser.add_argument("--preset", default="small", choices=["sc09", "small", "tiny"])
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--val_batches", type=int, default=8, help="validation batches per check")
    parser.add_argument("--val_every", type=float, default=1.0, help="validation checks per epoch (fraction)")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = [run(name, args) for name in args.datasets]
    print_table(
        rows,
        [
            "dataset",
            "preset",
            "minutes",
            "train_steps",
            "test_nll_bits",
            "unigram_bits",
            "bigram_bits",
            "below_bigram_bits",
        ],
    )
    ok = all(r["below_bigram_bits"] >= 1.5 for r in rows)
    print(f"target (>= 1.5 bits below the bigram floor on every set): {'met' if ok else 'NOT met'}")
    print(
        f"wrote {write_results('audio_nll', {'rows': rows, 'target_met': ok, 'threads': torch.get_num_threads()})}"
    )


if __name__ == "__main__":
    main()
