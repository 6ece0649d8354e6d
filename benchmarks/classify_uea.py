"""Classification benchmark: every UCR/UEA problem in a data folder with its official TRAIN/TEST split,
plus FSDD spoken digits (log-mel spectrograms, official index split), for two methods:

- ``encoder``: the trained S4ND encoder (1-D over time; 2-D over mel x time for FSDD). A stratified
  validation split is carved from TRAIN only; training keeps the checkpoint with the lowest
  validation loss.
- ``random_features``: ``SSMClassifier(method="random_features")``: fixed random S4D kernels, PPV and
  max features, ridge whose penalty is chosen by leave-one-out within TRAIN. Its kernel settings
  (modes per kernel, cycles per timescale; per dataset, the share of shift-SSM kernels) were chosen
  with ``--select``: repeated stratified 5-fold cross-validation within TRAIN, never on TEST.

TEST is read once per run, at the end. Reported: mean (and per-seed) test accuracy and macro F1, and
the training wall time (median over seeds), beside the published ROCKET accuracy and, when
``results/rocket_reference.json`` exists (written by ``benchmarks/rocket_reference.py``), aeon's
ROCKET / MiniRocket / MultiRocket measured on the same split and seeds (``<method>_measured_mean``).
CPU timings on a shared machine are noisy: the spread is reported.

    python benchmarks/classify_uea.py --data ../shared/data [--methods encoder random_features]
        [--seeds 0 1 2] [--only BasicMotions] [--quick]
    python benchmarks/classify_uea.py --select [--only ArrowHead]   # CV within TRAIN, no TEST
    python benchmarks/classify_uea.py --show results/classify_uea.json  # reprint a table, no training

Writes ``results/classify_uea.json`` (``classify_uea_select.json`` with ``--select``, ``classify_uea_quick.json``
with ``--quick``) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from _common import (  # noqa: E402
    DATA_SOURCES,
    check_names,
    check_writable,
    describe_run,
    read_results,
    require_folder,
    results_name,
    write_json,
)

from ssm_ts.api.classifier import SSMClassifier  # noqa: E402
from ssm_ts.models.random_ssm_features import POOLINGS, RandomSSMFeatures  # noqa: E402
from ssm_ts.pipelines.sensor import (  # noqa: E402
    SensorDataModule,
    SeriesSet,
    find_archive_split,
    read_fsdd,
    read_series,
)
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
# Measured on the same split and seeds by benchmarks/rocket_reference.py (aeon, its own environment).
MEASURED_REFERENCE = REPO / "results" / "rocket_reference.json"

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
        "epochs": 20,  # validation loss still fell at epoch 10 (new bests at 14-16 of 20)
        "batch_size": 32,
    },
}


# Random-feature settings: the defaults of RandomSSMFeatures, chosen with --select (CV within TRAIN).
RANDOM_FEATURE_KERNELS = 4000
SELECTION_GRID = [  # options of RandomSSMFeatures; the default (first) was kept on CV within TRAIN
    {"n_modes": 4, "max_cycles": 2.0},
    {"n_modes": 4, "max_cycles": None},  # mode frequencies up to Nyquist at every timescale
    {"n_modes": 2, "max_cycles": None},
    {"n_modes": 4, "max_cycles": 8.0},
    {"n_modes": 2, "max_cycles": 4.0},
    {"n_modes": 8, "max_cycles": 4.0},
    {"n_kernels": 10000},
    {"pooling": POOLINGS},
    {"shift_fraction": 0.5},  # half of the kernels are shift SSMs (ROCKET's dilated FIR filters)
    {"shift_fraction": 1.0},
]
# The share of shift-SSM kernels is chosen per dataset, by the same CV within TRAIN (10 x 5 folds,
# 4000 kernels; the highest accuracy, a tie keeping the smaller share). CV accuracy for shares
# 0 / 0.5 / 1: GunPoint 0.996 / 0.996 / 1.000, ItalyPowerDemand 0.964 / 0.972 / 0.970,
# BasicMotions 1.000 / 1.000 / 1.000, ArrowHead 0.859 / 0.845 / 0.832, JapaneseVowels
# 0.980 / 0.979 / 0.979, PickupGestureWiimoteZ 0.762 / 0.776 / 0.794; mean 0.927 / 0.928 / 0.929.
# aeon's ROCKET in the same folds: GunPoint 1.000, ItalyPowerDemand 0.970. FSDD keeps the default
# (no shift kernels): its CV would take hours.
SHIFT_FRACTION = {"GunPoint": 1.0, "ItalyPowerDemand": 0.5, "PickupGestureWiimoteZ": 1.0}


def read_split(name: str, path: Path) -> tuple[SeriesSet, SeriesSet]:
    """(TRAIN, TEST) recordings of a UCR/UEA folder or of FSDD (log-mel, official split)."""
    if name == "FSDD":
        return read_fsdd(path, "train"), read_fsdd(path, "test")  # 32 mel bands as channels
    train, test = find_archive_split(path)
    return read_series(train), read_series(test)


def run_random_features(name: str, path: Path, seed: int, quick: bool) -> dict:
    from sklearn.metrics import f1_score

    train, test = read_split(name, path)
    model = SSMClassifier(
        method="random_features",
        n_kernels=400 if quick else RANDOM_FEATURE_KERNELS,
        shift_fraction=SHIFT_FRACTION.get(name, 0.0),
        random_state=seed,
    )
    start = time.perf_counter()
    model.fit(train.values, train.labels)
    train_seconds = time.perf_counter() - start
    predicted = model.predict(test.values)
    return {
        "seed": seed,
        "test_acc": float(np.mean(predicted == test.labels)),
        "test_f1": float(f1_score(test.labels, predicted, average="macro")),
        "train_seconds": train_seconds,
        "n_kernels": model.n_kernels,
        "shift_fraction": model.shift_fraction,
        "ridge_alpha": float(model.ridge_[-1].alpha_),
    }


def select_random_features(name: str, path: Path, repeats: int) -> list[dict]:
    """Repeated stratified 5-fold CV accuracy within TRAIN for every setting of SELECTION_GRID."""
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ssm_ts.pipelines.sensor import fit_channel_scaler

    train, _ = read_split(name, path)  # TEST is never read here
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
    rows = []
    for options in SELECTION_GRID:
        accuracies = []
        for fold, (fit_rows, held_rows) in enumerate(folds.split(np.zeros(len(train)), train.labels)):
            fit_part, held = train.subset(fit_rows), train.subset(held_rows)
            scaler = fit_channel_scaler(fit_part)
            fit_values = [scaler.transform(v) for v in fit_part.values]
            settings = {"n_kernels": RANDOM_FEATURE_KERNELS, **options}
            features = RandomSSMFeatures(**settings, seed=fold).fit(fit_values)
            ridge = make_pipeline(StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
            ridge.fit(features.transform(fit_values), fit_part.labels)
            held_features = features.transform([scaler.transform(v) for v in held.values])
            accuracies.append(float(np.mean(ridge.predict(held_features) == held.labels)))
        rows.append(
            {"dataset": name, **settings, "cv_acc": statistics.fmean(accuracies), "folds": len(accuracies)}
        )
        print(f"{name:<22} {options}  cv acc {rows[-1]['cv_acc']:.3f}", flush=True)
    return rows


def run_encoder(name: str, path: Path, seed: int, quick: bool, epochs: int | None = None) -> dict:
    settings = {**DEFAULT, **SETTINGS.get(name, {}), **({"epochs": epochs} if epochs else {})}
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
        # the best callback's path: ckpt_path="best" made Lightning warn about the several checkpoint
        # callbacks (ssm-ts's best one and the last-checkpoint writer)
        best = trainer.checkpoint_callback.best_model_path
        result = trainer.test(task, datamodule, ckpt_path=best, verbose=False)[0]
    return {
        "seed": seed,
        "test_acc": result["test_acc"],
        "test_f1": result["test_f1"],
        "best_val_loss": best_val,
        "train_seconds": train_seconds,
        "epochs": epochs,
    }


def read_measured_reference(path: Path) -> dict[str, dict[str, float]]:
    """``{dataset: {"<method>_measured_mean": acc, "<method>_measured_std": std}}`` from the JSON of
    ``benchmarks/rocket_reference.py``; empty when the file is missing. Failed methods are left out."""
    if not path.is_file():
        return {}
    measured: dict[str, dict[str, float]] = {}
    for name, entry in json.loads(path.read_text()).get("results", {}).items():
        for method, result in entry.get("methods", {}).items():
            if "test_acc_mean" in result:
                fields = measured.setdefault(name, {})
                fields[f"{method}_measured_mean"] = result["test_acc_mean"]
                fields[f"{method}_measured_std"] = result["test_acc_std"]
    return measured


def add_measured_reference(rows: list[dict], measured: dict[str, dict[str, float]]) -> list[dict]:
    """Rows with the measured reference fields of their dataset (``rocket_measured_mean`` None if absent)."""
    return [{**row, "rocket_measured_mean": None, **measured.get(row["dataset"], {})} for row in rows]


def print_table(rows: list[dict]) -> None:
    """Our accuracy beside the published reference and aeon's ROCKET measured on the same seeds."""
    print(f"\n{'dataset':<22} {'method':<16} {'acc':>13} {'ref':>6} {'ok':>4} {'ROCKET':>13} {'train s':>8}")
    for row in rows:
        ref = "-" if row["reference_acc"] is None else f"{row['reference_acc']:.3f}"
        ok = "-" if row["meets_reference"] is None else ("yes" if row["meets_reference"] else "no")
        acc = f"{row['test_acc_mean']:.3f}+-{row['test_acc_std']:.3f}"
        measured = row.get("rocket_measured_mean")
        rocket = "-" if measured is None else f"{measured:.3f}+-{row['rocket_measured_std']:.3f}"
        print(
            f"{row['dataset']:<22} {row['method']:<16} {acc:>13} {ref:>6} {ok:>4} {rocket:>13} "
            f"{row['train_seconds_median']:>8.1f}"
        )
    print(
        "ref: published (data README); ROCKET: aeon RocketClassifier measured, same split, mean+-std over seeds"
    )


DATA = REPO.parent / "shared" / "data"
FSDD_SOURCE = "the Free Spoken Digit Dataset's recordings (<digit>_<speaker>_<index>.flac or .wav)"


def datasets(data: Path, only: list[str] | None) -> list[tuple[str, Path]]:
    """``(name, folder)`` of every UCR/UEA problem under ``data/classification`` and of FSDD
    (``data/audio/fsdd``), or of the names in ``only``. Exits with a message, before any run, when
    ``data`` or a chosen data set's folder is missing or a name of ``only`` is not there."""
    holds = f"classification/ ({DATA_SOURCES['classification']}) and audio/fsdd/ ({FSDD_SOURCE})"
    require_folder(data, "--data", holds, default=DATA)
    archive = data / "classification"
    found = [(p.name, p) for p in sorted(archive.iterdir()) if p.is_dir()] if archive.is_dir() else []
    found.append(("FSDD", data / "audio" / "fsdd"))
    check_names(only, [n for n, _ in found], "--only", f"{archive} (UCR/UEA problems) or FSDD")
    chosen = [(n, p) for n, p in found if not only or n in only]
    for name, path in chosen:
        require_folder(path, "--data", FSDD_SOURCE if name == "FSDD" else holds)
    if not chosen:
        require_folder(archive, "--data", holds)  # no problem folders and FSDD not asked for
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="folder with classification/<problem>/ and audio/fsdd/ (default: ../shared/data beside the checkout)",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--only", nargs="+", default=None, help="problem names (folders under classification/) or FSDD"
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs / kernels (smoke run)")
    parser.add_argument(
        "--methods", nargs="+", default=["random_features", "encoder"], choices=["random_features", "encoder"]
    )
    parser.add_argument("--select", action="store_true", help="CV within TRAIN over SELECTION_GRID; no TEST")
    parser.add_argument("--repeats", type=int, default=2, help="CV repeats for --select")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--epochs", type=int, default=None, help="encoder: epochs instead of the per-dataset setting"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON (default: results/classify_uea[_quick|_select].json; an earlier file is kept, renamed)",
    )
    parser.add_argument(
        "--rocket-reference",
        type=Path,
        default=MEASURED_REFERENCE,
        help="JSON of benchmarks/rocket_reference.py, shown beside ours when it exists",
    )
    parser.add_argument(
        "--show", type=Path, default=None, help="reprint the table of a results JSON; no runs"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    measured = read_measured_reference(args.rocket_reference)

    if args.show:
        payload = read_results(args.show)
        print_table(add_measured_reference(payload["results"], measured))
        print(describe_run(payload))
        return

    default_name = "classify_uea_select" if args.select else results_name("classify_uea", args.quick)
    out = args.out or REPO / "results" / f"{default_name}.json"
    check_writable(out, "--out")  # before hours of runs, not after
    chosen = datasets(args.data, args.only)
    if args.select:
        rows = [row for name, path in chosen for row in select_random_features(name, path, args.repeats)]
        write_json(out, {"protocol": "repeated stratified 5-fold CV within TRAIN", "results": rows})
        print(f"wrote {out}")
        return

    runners = {
        "random_features": run_random_features,
        "encoder": lambda *a: run_encoder(*a, epochs=args.epochs),
    }
    rows = []
    for name, path in chosen:
        for method in args.methods:
            runs = [runners[method](name, path, seed, args.quick) for seed in args.seeds]
            rows.extend(add_measured_reference([summarise(name, method, runs)], measured))
            row = rows[-1]
            rocket = row["rocket_measured_mean"]
            print(
                f"{name:<22} {method:<16} acc {row['test_acc_mean']:.3f} +- {row['test_acc_std']:.3f}  "
                f"({row['reference']} {row['reference_acc'] if row['reference_acc'] is not None else '-'}; "
                f"measured ROCKET {'-' if rocket is None else f'{rocket:.3f}'})  "
                f"train {row['train_seconds_median']:.1f}s [{row['train_seconds_min']:.1f}-{row['train_seconds_max']:.1f}]",
                flush=True,
            )
    payload = {
        "protocol": "official TRAIN/TEST; choices within TRAIN only (validation split or CV); test once",
        "seeds": args.seeds,
        "quick": args.quick,
        "device": "cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name(),
        "torch_threads": torch.get_num_threads(),
        "note": "CPU shared with other jobs: training times are noisy (min-max over seeds given)",
        "measured_reference": str(args.rocket_reference.name) if measured else None,
        "results": rows,
    }
    print_table(rows)
    print(describe_run(json.loads(write_json(out, payload).read_text())))
    print(f"wrote {out}")


def summarise(name: str, method: str, runs: list[dict]) -> dict:
    accs = [r["test_acc"] for r in runs]
    times = [r["train_seconds"] for r in runs]
    ref_name, ref = REFERENCE.get(name, ("none", None))
    return {
        "dataset": name,
        "method": method,
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


if __name__ == "__main__":
    main()
