"""Classification benchmark: every UCR/UEA problem in a data folder with its official TRAIN/TEST split,
plus FSDD spoken digits (log-mel spectrograms, 2-D S4ND encoder, official index split).

Protocol per dataset and seed: a stratified validation split is carved from TRAIN only; training
keeps the checkpoint with the lowest validation loss; TEST is read once at the end. Reported: mean
(and per-seed) test accuracy and macro F1, and the training wall time (median over seeds), beside
the published ROCKET accuracy. CPU timings on a shared machine are noisy: the spread is reported.

    python benchmarks/classify_uea.py --data ../shared/data [--seeds 0 1 2] [--only BasicMotions] [--quick]

Writes ``results/classify_uea.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ssm_ts.atomic import atomic_path  # noqa: E402
from ssm_ts.pipelines.sensor import SensorDataModule  # noqa: E402
from ssm_ts.tasks.classification import ClassificationTask  # noqa: E402
from ssm_ts.training import build_trainer  # noqa: E402

# Published test accuracy, official split (data README): ROCKET where it exists, else HC2 / DTW.
REFERENCE = {
    "BasicMotions": ("ROCKET", 1.000),
    "GunPoint": ("ROCKET", 1.000),
    "ItalyPowerDemand": ("ROCKET", 0.970),
    "ArrowHead": ("ROCKET", 0.823),
    "JapaneseVowels": ("HC2", 0.98),
    "PickupGestureWiimoteZ": ("none", None),
    "FSDD": ("target", 0.95),
}

# Per-dataset settings chosen on validation accuracy only (never on TEST).
DEFAULT = {
    "model": "s4d1d",
    "d_model": 64,
    "n_layers": 3,
    "d_state": 64,
    "dropout": 0.1,
    "lr": 3e-3,
    "epochs": 60,
}
SETTINGS = {
    "BasicMotions": {"epochs": 40},
    "JapaneseVowels": {"epochs": 60},
    "FSDD": {
        "model": "s4nd2d",
        "d_model": 32,
        "n_layers": 3,
        "d_state": 16,
        "lr": 3e-3,
        "epochs": 10,
        "batch_size": 32,
    },
}


def run_one(name: str, path: Path, seed: int, quick: bool) -> dict:
    settings = {**DEFAULT, **SETTINGS.get(name, {})}
    epochs = max(2, settings["epochs"] // 10) if quick else settings["epochs"]
    torch.manual_seed(seed)
    datamodule = SensorDataModule(
        path=str(path),
        format="fsdd" if name == "FSDD" else "auto",
        val_fraction=0.2 if name != "FSDD" else 0.1,
        batch_size=settings.get("batch_size", 16),
        seed=seed,
    )
    task = ClassificationTask(
        model=settings["model"],
        model_options={k: settings[k] for k in ("d_model", "n_layers", "d_state", "dropout")},
        lr=settings["lr"],
    )
    with tempfile.TemporaryDirectory() as out_dir:
        trainer = build_trainer(max_epochs=epochs, out_dir=out_dir, progress=False)
        start = time.perf_counter()
        trainer.fit(task, datamodule)
        train_seconds = time.perf_counter() - start
        best_val = float(trainer.checkpoint_callback.best_model_score)
        result = trainer.test(task, datamodule, ckpt_path="best", verbose=False)[0]
    return {
        "seed": seed,
        "test_acc": result["test_acc"],
        "test_f1": result["test_f1"],
        "best_val_loss": best_val,
        "train_seconds": train_seconds,
        "epochs": epochs,
    }


def datasets(data: Path, only: list[str] | None) -> list[tuple[str, Path]]:
    found = [(p.name, p) for p in sorted((data / "classification").iterdir()) if p.is_dir()]
    found.append(("FSDD", data / "audio" / "fsdd"))
    return [(n, p) for n, p in found if not only or n in only]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", default=None)
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs (smoke run)")
    parser.add_argument("--out", type=Path, default=REPO / "results" / "classify_uea.json")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))

    rows = []
    for name, path in datasets(args.data, args.only):
        runs = [run_one(name, path, seed, args.quick) for seed in args.seeds]
        accs = [r["test_acc"] for r in runs]
        times = [r["train_seconds"] for r in runs]
        ref_name, ref = REFERENCE.get(name, ("none", None))
        row = {
            "dataset": name,
            "test_acc_mean": statistics.fmean(accs),
            "test_acc_std": statistics.pstdev(accs),
            "test_f1_mean": statistics.fmean(r["test_f1"] for r in runs),
            "train_seconds_median": statistics.median(times),
            "train_seconds_min": min(times),
            "train_seconds_max": max(times),
            "reference": ref_name,
            "reference_acc": ref,
            "meets_reference": None if ref is None else statistics.fmean(accs) >= ref - 1e-9,
            "within_5_minutes": max(times) <= 300,
            "runs": runs,
        }
        rows.append(row)
        print(
            f"{name:<22} acc {row['test_acc_mean']:.3f} +- {row['test_acc_std']:.3f}  "
            f"({ref_name} {ref if ref is not None else '-'})  train {row['train_seconds_median']:.0f}s "
            f"[{row['train_seconds_min']:.0f}-{row['train_seconds_max']:.0f}]",
            flush=True,
        )
    payload = {
        "protocol": "official TRAIN/TEST; stratified validation from TRAIN; best val_loss checkpoint; test once",
        "seeds": args.seeds,
        "quick": args.quick,
        "device": "cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name(),
        "torch_threads": torch.get_num_threads(),
        "note": "CPU shared with other jobs: training times are noisy (min-max over seeds given)",
        "results": rows,
    }
    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(payload, indent=2))
    print(f"\n{'dataset':<22} {'acc':>6} {'ref':>6} {'ok':>4} {'train s':>8}")
    for row in rows:
        ref = "-" if row["reference_acc"] is None else f"{row['reference_acc']:.3f}"
        ok = "-" if row["meets_reference"] is None else ("yes" if row["meets_reference"] else "no")
        print(
            f"{row['dataset']:<22} {row['test_acc_mean']:>6.3f} {ref:>6} {ok:>4} {row['train_seconds_median']:>8.0f}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
