"""Prediction-interval coverage on real data: learned pinball quantiles vs split-conformal intervals.

For each data set (univariate, the ``OT`` column; ETTm1 on the ``ett_m`` split, exchange_rate on the
standard 70/10/20 split) two ``ssm_ts.Forecaster`` models are fitted, which calibrate themselves on
the validation split at the end of ``fit``:

* a quantile model (pinball loss, quantiles 0.025, 0.1, 0.5, 0.9, 0.975), scored as
  (a) ``learned``: its own 80% (q0.1-q0.9) and 95% (q0.025-q0.975) bands, and
  (c) ``cqr``: those bands conformalised (``predict(level=..., interval_method="cqr")``);
* a point model (MSE), scored as (b) ``residual``: conformal on the point forecast.

Every stride-``--step`` window of the test split is forecast (``Forecaster.backtest``), and the
table gives each method's coverage of the actuals at 80% and 95% and the mean interval width (in
the data's units, and relative to the test series' standard deviation). Nominal coverage is the aim:
below it the intervals are too narrow, above it wider than needed.

    python benchmarks/forecast_intervals.py --data-dir ../shared/data/forecasting --model nlinear \\
        --epochs 3 --threads 1

Writes ``results/forecast_intervals.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DATA_SOURCES,
    RESULTS_DIR,
    check_writable,
    print_table,
    require_files,
    write_results,
)

from ssm_ts import Forecaster  # noqa: E402
from ssm_ts.pipelines.forecasting.split import split_boundaries  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/forecasting"
DATASETS = {"ETTm1": "ett_m", "exchange_rate": "standard"}
LEVELS = (80, 95)
QUANTILES = [0.025, 0.1, 0.5, 0.9, 0.975]
LEARNED = {80: (0.1, 0.9), 95: (0.025, 0.975)}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        "--data",
        type=Path,
        default=DATA,
        help="folder with the CSV files (default: ../shared/data/forecasting beside the checkout)",
    )
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--model", default="nlinear")
    parser.add_argument("--lookback", type=int, default=96)
    parser.add_argument("--horizon", type=int, default=24)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--train-batches", type=int, default=None, help="limit_train_batches per epoch")
    parser.add_argument("--step", type=int, default=1, help="rows between test windows")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="forecast_intervals", help="results/<name>.json")
    return parser.parse_args()


def coverage_and_width(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[float, float]:
    """Share of the actuals inside ``[lower, upper]`` and the mean width (NaN actuals left out)."""
    seen = ~np.isnan(actual)
    inside = (actual[seen] >= lower[seen]) & (actual[seen] <= upper[seen])
    return float(inside.mean()), float((upper[seen] - lower[seen]).mean())


def fit(args: argparse.Namespace, data: pd.DataFrame, split: str, out: Path, **settings) -> Forecaster:
    trainer_options = {"enable_progress_bar": False, "enable_model_summary": False}
    if args.train_batches:
        trainer_options["limit_train_batches"] = args.train_batches
    forecaster = Forecaster(model=args.model, lookback=args.lookback, horizon=args.horizon, max_epochs=args.epochs,
                            split=split, seed=args.seed, log_to_mlflow=False, out_dir=str(out),
                            trainer_options=trainer_options, **settings)  # fmt: skip
    return forecaster.fit(data, time_col="date", target="OT")


def run_dataset(args: argparse.Namespace, name: str, out: Path) -> list[dict]:
    data = pd.read_csv(args.data_dir / f"{name}.csv")[["date", "OT"]]
    bounds = split_boundaries(len(data), DATASETS[name])
    test = data.iloc[bounds.val_end - args.lookback : bounds.test_end]
    n_windows = (bounds.test_end - bounds.val_end - args.horizon) // args.step + 1
    scale = float(data["OT"].iloc[bounds.val_end : bounds.test_end].std())
    rows = []
    models = {
        "quantile": fit(args, data, DATASETS[name], out / f"{name}-q", quantiles=QUANTILES),
        "point": fit(args, data, DATASETS[name], out / f"{name}-p"),
    }
    frames = {
        "learned": models["quantile"].backtest(test, n_windows=n_windows, step=args.step),
        "residual": models["point"].backtest(test, n_windows=n_windows, step=args.step, level=list(LEVELS)),
        "cqr": models["quantile"].backtest(
            test, n_windows=n_windows, step=args.step, level=list(LEVELS), interval_method="cqr"
        ),
    }
    for method, frame in frames.items():
        model = models["point" if method == "residual" else "quantile"]
        actual = frame["OT_actual"].to_numpy()
        row = {"data": name, "method": method, "test_windows": n_windows,
               "cal_windows": model.conformal_.n_windows, "val_mse": model.metrics_.get("val_mse_orig", np.nan)}  # fmt: skip
        for level in LEVELS:
            if method == "learned":
                lo, hi = (frame[f"OT_q{q:g}"].to_numpy() for q in LEARNED[level])
            else:
                lo, hi = frame[f"OT_lo-{level}"].to_numpy(), frame[f"OT_hi-{level}"].to_numpy()
            coverage, width = coverage_and_width(actual, lo, hi)
            row |= {f"cov{level}": coverage, f"width{level}": width, f"rel_width{level}": width / scale}
        rows.append(row)
    return rows


def main() -> None:
    args = parse_args()
    check_writable(RESULTS_DIR / f"{args.name}.json", "--name")
    files = [f"{name}.csv" for name in args.datasets]
    require_files(args.data_dir, files, "--data-dir", DATA_SOURCES["forecasting"], default=DATA)
    torch.set_num_threads(args.threads)
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forecast-intervals-") as out:
        for name in args.datasets:
            rows += run_dataset(args, name, Path(out))
    columns = ["data", "method", "cal_windows", "test_windows", "cov80", "width80", "rel_width80", "cov95",
               "width95", "rel_width95"]  # fmt: skip
    print_table(rows, columns)
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    path = write_results(args.name, {"settings": settings, "levels": list(LEVELS), "quantiles": QUANTILES,
                                     "rows": rows, "seconds": time.perf_counter() - start})  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
