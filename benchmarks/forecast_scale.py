"""How the forecaster scales with the number of series: time and memory of each step on long tables.

Synthetic long tables (``unique_id, ds, y``: daily and weekly seasonality, a trend, noise and a
different level and scale per series), one wide table of 300 columns, and optionally ETTm1 (pass
``--ettm1 path/to/ETTm1.csv``). Each case runs in its own process, so its peak RSS is its own.
Steps timed (``time.perf_counter``) with how far each raised the peak RSS (``--traced``: the
``tracemalloc`` peak of each step's Python/NumPy allocations instead of times):
``load`` (read + checks + pivot), ``windows`` (split, scaler, first training batch), ``fit``
(one epoch, 20 training and 5 validation batches), ``predict``, ``backtest`` (3 windows), ``plot``,
``save`` / ``load_model`` (and the export's size). ``--mlflow`` logs one run for the first case to
time the MLflow pyfunc logging (input example and signature).

    python benchmarks/forecast_scale.py --cases long:100:2000:h long:1000:1000:h wide:300:2000:h \\
        --models nlinear spacetime --ettm1 ../shared/data/forecasting/ETTm1.csv

Writes ``results/forecast_scale.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS_DIR, check_writable, peak_rss_mib, print_table, write_results  # noqa: E402

DEFAULT_CASES = ["long:100:2000:h", "long:1000:1000:h", "long:5000:400:D", "wide:300:2000:h"]
MODEL_OPTIONS = {"nlinear": {}, "spacetime": {"d_model": 16, "d_state": 16}}
LOOKBACK, HORIZON = 96, 24


def synthetic_values(n_series: int, n_steps: int, seed: int = 0) -> np.ndarray:
    """``(n_steps, n_series)`` seasonal series with trends and noise, each at its own level and scale."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps)[:, None]
    phase = rng.uniform(0, 2 * np.pi, n_series)
    season = np.sin(2 * np.pi * t / 24 + phase) + 0.5 * np.sin(2 * np.pi * t / 168 + phase)
    trend = rng.normal(0, 1e-3, n_series) * t
    noise = rng.normal(0, 0.3, (n_steps, n_series))
    scale = 10 ** rng.uniform(-1, 4, n_series)
    return (season + trend + noise) * scale + 5 * scale


def make_table(kind: str, n_series: int, n_steps: int, freq: str) -> pd.DataFrame:
    """A long (``unique_id, ds, y``) or wide (``ds`` + one column per series) table."""
    values = synthetic_values(n_series, n_steps)
    times = pd.date_range("2020-01-01", periods=n_steps, freq=freq)
    names = [f"s{i:05d}" for i in range(n_series)]
    if kind == "wide":
        return pd.concat([pd.DataFrame({"ds": times}), pd.DataFrame(values, columns=names)], axis=1)
    return pd.DataFrame(
        {"unique_id": np.repeat(names, n_steps), "ds": np.tile(times, n_series), "y": values.T.ravel()}
    )


def measure(step: str, fn: Callable[[], Any], row: dict[str, Any], traced: bool = False) -> Any:
    """Run ``fn``; record ``<step>_s`` (seconds) and ``<step>_rss_mib`` (how far it raised the process's
    peak RSS) in ``row``, and with ``traced`` ``<step>_traced_mib`` (tracemalloc peak of Python/NumPy
    allocations; tracing slows pandas-heavy steps several times, so its runs time nothing)."""
    if traced:
        tracemalloc.start()
    peak_before = peak_rss_mib()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    row[f"{step}_rss_mib"] = peak_rss_mib() - peak_before
    if traced:
        row[f"{step}_traced_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        row[f"{step}_s"] = elapsed
    return result


def run_case(case: str, model: str, mlflow: bool, workdir: Path, traced: bool = False) -> dict[str, Any]:
    """Every step for one table and model; returns the row of the table."""
    import matplotlib.pyplot as plt
    import torch

    import ssm_ts
    from ssm_ts.pipelines.forecasting import ForecastDataModule, load_series

    torch.set_num_threads(1)
    kind, *shape = case.split(":")
    if kind == "ettm1":
        table: Any = shape[0]
        label = "ETTm1"
    else:
        n_series, n_steps, freq = int(shape[0]), int(shape[1]), shape[2]
        table = make_table(kind, n_series, n_steps, freq)
        label = f"{kind} {n_series}x{n_steps}{freq}"
    row: dict[str, Any] = {"case": label, "model": model}
    frame, spec = measure("load", lambda: load_series(table), row, traced)
    row["series"], row["rows"] = len(spec.targets), len(frame)

    def first_batch() -> Any:
        module = ForecastDataModule.from_frame(table, lookback=LOOKBACK, horizon=HORIZON)
        module.setup("fit")
        _ = module.scaler
        return next(iter(module.train_dataloader()))

    measure("windows", first_batch, row, traced)
    forecaster = ssm_ts.Forecaster(
        model=model, lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, model_options=MODEL_OPTIONS[model],
        log_to_mlflow=mlflow, out_dir=str(workdir / "fit"), tracking_uri=f"sqlite:///{workdir / 'mlflow.db'}",
        trainer_options={"limit_train_batches": 20, "limit_val_batches": 5, "enable_progress_bar": False,
                         "enable_model_summary": False},
    )  # fmt: skip
    measure("fit", lambda: forecaster.fit(table), row, traced)
    measure("predict", forecaster.predict, row, traced)
    measure("backtest", lambda: forecaster.backtest(n_windows=3), row, traced)
    measure("plot", lambda: plt.close(forecaster.plot()), row, traced)
    export = workdir / "export"
    measure("save", lambda: forecaster.save(export), row, traced)
    row["export_mib"] = sum(p.stat().st_size for p in export.rglob("*") if p.is_file()) / 2**20
    measure("load_model", lambda: ssm_ts.Forecaster.load(export), row, traced)
    row["mlflow"] = mlflow
    if mlflow:  # what the logged pyfunc carries as its input example: lookback rows of every series
        from ssm_ts.tracking.pyfunc_forecast import input_example

        row["input_example_rows"] = len(
            input_example(forecaster.history_, forecaster.spec_, LOOKBACK, HORIZON)
        )
    row["peak_rss_mib"] = peak_rss_mib()
    return row


COLUMNS = ["case", "model", "series", "load_s", "windows_s", "fit_s", "predict_s", "backtest_s", "plot_s",
           "save_s", "load_model_s", "export_mib", "peak_rss_mib"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES,
                        help="long|wide:<series>:<steps>:<freq>")  # fmt: skip
    parser.add_argument("--models", nargs="+", default=["nlinear"], choices=sorted(MODEL_OPTIONS))
    parser.add_argument("--ettm1", help="path of ETTm1.csv to add as a real-data case")
    parser.add_argument("--mlflow", action="store_true", help="log the first case's fit to MLflow")
    parser.add_argument("--name", default="forecast_scale", help="results/<name>.json")
    parser.add_argument("--traced", action="store_true", help="tracemalloc peaks per step instead of times")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        with tempfile.TemporaryDirectory() as workdir:
            print(json.dumps(run_case(args.case, args.model, args.mlflow, Path(workdir), args.traced)))
        return
    check_writable(RESULTS_DIR / f"{args.name}.json", "--name")
    if args.ettm1 and not Path(args.ettm1).is_file():
        sys.exit(
            f"--ettm1 {args.ettm1}: no such file; pass the path of ETTm1.csv (../shared/data/forecasting/ETTm1.csv)"
        )
    cases = [*args.cases, *([f"ettm1:{args.ettm1}"] if args.ettm1 else [])]
    rows = []
    for i, case in enumerate(cases):
        for j, model in enumerate(args.models):
            command = [sys.executable, __file__, "--case", case, "--model", model]
            command += ["--mlflow"] if args.mlflow and i == j == 0 else []
            command += ["--traced"] if args.traced else []
            out = subprocess.run(command, capture_output=True, text=True)
            if out.returncode:
                print(f"{case} {model} failed:\n{out.stderr[-3000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print_table(rows[-1:], COLUMNS)
    print_table(rows, COLUMNS)
    print(f"wrote {write_results(args.name, {'lookback': LOOKBACK, 'horizon': HORIZON, 'rows': rows})}")


if __name__ == "__main__":
    main()
