"""Measured ROCKET reference: aeon's ROCKET (and MiniRocket, MultiRocket) on the official UCR/UEA
TRAIN/TEST split of every problem in a data folder, seeds 0, 1, 2, under the same conditions as
``benchmarks/classify_uea.py``.

Published ROCKET accuracies are one run of a random method; this script measures the spread over
seeds on the very split and files our benchmark uses. Each method uses aeon's defaults (10,000
kernels, ``RidgeClassifierCV`` over ``np.logspace(-3, 3, 10)``) with ``random_state=seed``.

Unequal-length problems: the ROCKET classifiers in aeon 1.6 cannot take unequal-length collections,
so every TRAIN series is padded with zeros at the end to the longest TRAIN length with aeon's
``Padder`` (its default fill value); TEST series are padded to that same length, and a TEST series
longer than every TRAIN series is cut to it with aeon's ``Truncator`` (the count is recorded).

Installing aeon 1.6 (with numba) would downgrade the project's numpy and pandas, so it lives in its
own virtual environment, and this script imports nothing from ``ssm_ts``:

    python3 -m venv <aeon-venv> && <aeon-venv>/bin/pip install aeon==1.6.0
    <aeon-venv>/bin/python benchmarks/rocket_reference.py [--data-dir DIR] [--seeds 0 1 2]
        [--methods rocket minirocket multirocket] [--only ArrowHead] [--threads 1]

Writes ``results/rocket_reference.json`` (per problem and method: per-seed test accuracy, mean,
population std, fit and predict seconds, or the error that stopped it) and prints a table.
``benchmarks/classify_uea.py`` shows the measured means beside its own when that file exists.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _inputs import (  # noqa: E402 (no torch or ssm_ts: this runs in its own aeon environment)
    DATA_SOURCES,
    check_names,
    check_writable,
    git_commit,
    keep_earlier,
    require_folder,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "classification"
METHODS = ("rocket", "minirocket", "multirocket")


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DATA,
        help="folder of <Name>/<Name>_TRAIN.ts and <Name>_TEST.ts",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--only", nargs="+", default=None, help="problem names to run")
    parser.add_argument("--threads", type=int, default=1, help="numba / BLAS / OpenMP threads")
    parser.add_argument("--out", type=Path, default=REPO / "results" / "rocket_reference.json")
    return parser.parse_args()


def limit_threads(threads: int) -> None:
    """Cap numba, OpenMP and BLAS threads; must run before numpy or aeon is imported."""
    for name in (
        "NUMBA_NUM_THREADS",
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "VECLIB_MAXIMUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        os.environ[name] = str(threads)


def find_problems(data_dir: Path, only: list[str] | None) -> list[str]:
    """Names of the sub-folders of ``data_dir`` that hold both ``<Name>_TRAIN.ts`` and ``<Name>_TEST.ts``
    (those of ``only``); exits naming a missing folder or a name of ``only`` that is not there."""
    require_folder(data_dir, "--data-dir", DATA_SOURCES["classification"], DATA)
    names = [
        p.name
        for p in sorted(data_dir.iterdir())
        if (p / f"{p.name}_TRAIN.ts").is_file() and (p / f"{p.name}_TEST.ts").is_file()
    ]
    check_names(only, names, "--only", f"{data_dir} (problems with <Name>_TRAIN.ts and <Name>_TEST.ts)")
    return [n for n in names if not only or n in only]


def make_classifier(method: str, seed: int, threads: int) -> Any:
    """aeon's classifier for ``method`` with its default settings (10,000 kernels)."""
    from aeon.classification.convolution_based import (
        MiniRocketClassifier,
        MultiRocketClassifier,
        RocketClassifier,
    )

    classes = {
        "rocket": RocketClassifier,
        "minirocket": MiniRocketClassifier,
        "multirocket": MultiRocketClassifier,
    }
    return classes[method](random_state=seed, n_jobs=threads)


def load_problem(data_dir: Path, name: str) -> dict[str, Any]:
    """TRAIN and TEST of one problem as equal-length 3-D arrays, with a note of any padding done."""
    import numpy as np
    from aeon.datasets import load_from_ts_file

    x_train, y_train = load_from_ts_file(str(data_dir / name / f"{name}_TRAIN.ts"))
    x_test, y_test = load_from_ts_file(str(data_dir / name / f"{name}_TEST.ts"))
    lengths_train = [x.shape[-1] for x in x_train]
    lengths_test = [x.shape[-1] for x in x_test]
    problem: dict[str, Any] = {
        "n_train": len(x_train),
        "n_test": len(x_test),
        "n_channels": int(x_train[0].shape[0]),
        "n_classes": len(set(y_train)),
        "length_train": [min(lengths_train), max(lengths_train)],
        "length_test": [min(lengths_test), max(lengths_test)],
        "padding": None,
    }
    if isinstance(x_train, list) or isinstance(x_test, list):
        x_train, x_test, problem["padding"] = pad_to_train_length(x_train, x_test)
    problem.update(x_train=np.asarray(x_train), y_train=y_train, x_test=np.asarray(x_test), y_test=y_test)
    return problem


def pad_to_train_length(x_train: Any, x_test: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Zero-pad TRAIN to its longest series (aeon ``Padder``); bring TEST to that length too,
    cutting TEST series longer than every TRAIN series (aeon ``Truncator``)."""
    from aeon.transformations.collection.unequal_length import Padder, Truncator

    length = max(x.shape[-1] for x in x_train)  # what Padder(padded_length="max") finds in fit
    too_long = sum(x.shape[-1] > length for x in x_test)
    cut = Truncator(truncated_length=length, error_on_short=False).fit_transform(x_test)
    x_test = Padder(padded_length=length, fill_value=0).fit_transform(cut)
    note = {
        "method": f"aeon Padder(padded_length={length}, fill_value=0), the longest TRAIN length: zeros at the end",
        "padded_length": length,
        "test_series_truncated": int(too_long),
        "test_truncation": f"aeon Truncator(truncated_length={length}): TEST series longer than TRAIN's longest",
    }
    return Padder(padded_length=length, fill_value=0).fit_transform(x_train), x_test, note


def run_once(problem: dict[str, Any], method: str, seed: int, threads: int) -> dict[str, Any]:
    """Fit on TRAIN, score on TEST once; accuracy and wall times."""
    import numpy as np

    model = make_classifier(method, seed, threads)
    start = time.perf_counter()
    model.fit(problem["x_train"], problem["y_train"])
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = model.predict(problem["x_test"])
    predict_seconds = time.perf_counter() - start
    accuracy = float(np.mean(predicted == problem["y_test"]))
    return {
        "seed": seed,
        "test_acc": accuracy,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
    }


def warm_up(methods: list[str], threads: int) -> float:
    """Compile (or load from numba's cache) every method's kernels on a tiny problem, so that
    compilation is not counted in the first seed's fit time; returns the seconds it took."""
    import numpy as np

    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 4)
    start = time.perf_counter()
    for channels in (1, 2):  # univariate and multivariate series take different compiled paths
        x = rng.normal(size=(8, channels, 32))
        for method in methods:
            make_classifier(method, 0, threads).fit(x, y).predict(x)
    return time.perf_counter() - start


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and population std of the test accuracy over seeds, with the runs themselves."""
    accs = [r["test_acc"] for r in runs]
    fits = [r["fit_seconds"] for r in runs]
    return {
        "test_acc_mean": statistics.fmean(accs),
        "test_acc_std": statistics.pstdev(accs),
        "test_acc_per_seed": accs,
        "fit_seconds_median": statistics.median(fits),
        "fit_seconds_per_seed": fits,
        "runs": runs,
    }


def run_problem(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """Every method and seed on one problem; a failure is recorded in place of the figures."""
    try:
        problem = load_problem(args.data_dir, name)
    except Exception as error:  # recorded, not raised: the other problems still run
        return {"error": f"loading failed: {error!r}", "traceback": traceback.format_exc()}
    entry = {k: v for k, v in problem.items() if not k.startswith(("x_", "y_"))}
    entry["methods"] = {}
    for method in args.methods:
        try:
            runs = [run_once(problem, method, seed, args.threads) for seed in args.seeds]
            entry["methods"][method] = summarise(runs)
        except Exception as error:
            entry["methods"][method] = {"error": repr(error), "traceback": traceback.format_exc()}
        print_line(name, method, entry["methods"][method])
    return entry


def print_line(name: str, method: str, result: dict[str, Any]) -> None:
    """One row of the table: mean +- std, per-seed accuracies, median fit time (or the error)."""
    if "error" in result:
        print(f"{name:<22} {method:<12} failed: {result['error']}", flush=True)
        return
    seeds = " ".join(f"{a:.3f}" for a in result["test_acc_per_seed"])
    acc = f"{result['test_acc_mean']:.3f}+-{result['test_acc_std']:.3f}"
    print(f"{name:<22} {method:<12} {acc:>13}  [{seeds}]  {result['fit_seconds_median']:>7.1f}", flush=True)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` to ``path`` atomically (temporary file in the same folder, then rename; a
    failed write removes it); an earlier file at ``path`` is kept as ``<stem>.<its UTC time>.json``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(payload, indent=2))
        kept = keep_earlier(path)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if kept is not None:
        print(f"kept the earlier {path.name} as {kept}", file=sys.stderr)


def main() -> None:
    args = parse_args()
    limit_threads(args.threads)  # before aeon (and numba) are imported
    try:
        import aeon
        import numba
    except ImportError as error:  # the project's environment has neither: see the module docstring
        sys.exit(
            f"{error}: run this script with the Python of its own aeon environment "
            "(python3 -m venv <aeon-venv> && <aeon-venv>/bin/pip install aeon==1.6.0)"
        )

    check_writable(args.out, "--out")
    names = find_problems(args.data_dir, args.only)
    if not names:
        sys.exit(f"no <Name>/<Name>_TRAIN.ts and _TEST.ts under {args.data_dir}")
    warm_up_seconds = warm_up(args.methods, args.threads)
    print(f"{'dataset':<22} {'method':<12} {'acc':>13}  {'per seed':<19}  {'fit s':>7}", flush=True)
    results = {name: run_problem(args, name) for name in names}
    payload = {
        "protocol": "official TRAIN/TEST split, fitted on TRAIN, TEST scored once per seed",
        "methods": {
            "rocket": "aeon RocketClassifier, defaults (10,000 kernels)",
            "minirocket": "aeon MiniRocketClassifier, defaults (10,000 kernels)",
            "multirocket": "aeon MultiRocketClassifier, defaults (10,000 kernels, 4 features each)",
        },
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "seeds": args.seeds,
        "random_state": "the seed",
        "unequal_length": "zero-padded to the longest TRAIN length with aeon Padder; see each problem's padding",
        "aeon_version": aeon.__version__,
        "numba_version": numba.__version__,
        "python": platform.python_version(),
        "threads": args.threads,
        "numba_threads": numba.get_num_threads(),
        "warm_up_seconds": warm_up_seconds,
        "timing_note": "numba compiled before timing; 2-core CPU shared with other jobs, times are noisy",
        "results": results,
    }
    write_json(args.out, payload)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
