"""How long a forecasting user waits on the everyday paths, on ETTh1 with the packaged config's model
(``configs/forecast_etth1.yaml``: SpaceTime, lookback 336, horizon 96, all 7 series, ``ett_h`` split):

* ``fit``: the wall time before the first training step (reading and checking the CSV, the trainer,
  Lightning's sanity check) and after the last one (validation of the returned weights, the test split,
  the conformal calibration, the export), of a fit limited to ``--train-batches`` training steps and
  without MLflow (its own store and model logging are MLflow's time);
* ``predict``: one forecast of the fitted history, of the whole CSV, of a DataFrame, and 20 forecasts
  of the DataFrame in a loop (a dashboard);
* ``backtest``: ``backtest(df, n_windows=50, step=24)`` (neuralforecast's cross_validation);
* ``save`` / ``load`` of the fitted model, and ``ssm-ts forecast predict`` from the shell (a new
  process: imports included).

Medians of ``--repeats`` runs (one run of the fit and of the command).

    python benchmarks/forecast_paths.py --threads 1
    python benchmarks/forecast_paths.py --quick      # a small SpaceTime, fewer repeats

Writes ``results/forecast_paths.json`` (``forecast_paths_quick.json`` with ``--quick``) and prints a table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from lightning.pytorch.callbacks import Callback

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS_DIR,
    check_writable,
    median_time,
    print_table,
    require_files,
    results_name,
    write_results,
)

from ssm_ts import Forecaster  # noqa: E402
from ssm_ts.api import forecast_fit_end  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared/data/forecasting"
QUICK_MODEL = {"d_model": 8, "d_state": 8, "n_layers": 1}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=DATA, help="folder with ETTh1.csv")
    parser.add_argument("--train-batches", type=int, default=2, help="training steps of the timed fit")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="a small SpaceTime and 3 repeats")
    return parser.parse_args()


class FirstStep(Callback):
    """Wall time from ``start`` to the first training batch, kept on the class: the fit trains with a
    copy of its callbacks."""

    seconds: float | None = None

    def __init__(self, start: float) -> None:
        self.start = start

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if FirstStep.seconds is None:
            FirstStep.seconds = time.perf_counter() - self.start


def time_fit(args: argparse.Namespace, csv: Path, out: Path) -> tuple[Forecaster, dict[str, float]]:
    """Fit once; the seconds before the first training step, after the last one, and in all."""
    ended: list[float] = []
    finish = forecast_fit_end.finish_fit

    def timed_finish(*a: Any, **k: Any) -> None:
        begin = time.perf_counter()
        finish(*a, **k)
        ended.append(time.perf_counter() - begin)

    FirstStep.seconds = None
    start = time.perf_counter()
    first = FirstStep(start)
    fc = Forecaster(
        model="spacetime", lookback=336, horizon=96, split="ett_h", max_epochs=1, log_to_mlflow=False,
        model_options=QUICK_MODEL if args.quick else None, out_dir=str(out / "fit"),
        trainer_options={"limit_train_batches": args.train_batches, "enable_progress_bar": False,
                         "enable_model_summary": False, "callbacks": [first]},
    )  # fmt: skip
    forecast_fit_end.finish_fit = timed_finish
    try:
        fc.fit(csv)
    finally:
        forecast_fit_end.finish_fit = finish
    total = time.perf_counter() - start
    return fc, {"fit: to first step": FirstStep.seconds, "fit: after training": ended[0], "fit: total": total}


def command_seconds(checkpoint: str, csv: Path, out: Path) -> float:
    """Wall time of ``ssm-ts forecast predict`` in a new process."""
    command = [sys.executable, "-m", "ssm_ts.cli", "forecast", "predict", "--ckpt_path", checkpoint,
               "--data.path", str(csv), "--out", str(out / "command")]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    args = parse_args()
    (csv,) = require_files(args.data_dir, ["ETTh1.csv"], "--data-dir", "the ETT CSV files")
    name = results_name("forecast_paths", args.quick)
    check_writable(RESULTS_DIR / f"{name}.json", "results")
    torch.set_num_threads(args.threads)
    repeats = 3 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(prefix="forecast_paths_") as folder:
        out = Path(folder)
        fc, seconds = time_fit(args, csv, out)
        df = pd.read_csv(csv)
        paths = {
            "predict()": lambda: fc.predict(),
            "predict(csv)": lambda: fc.predict(csv),
            "predict(df)": lambda: fc.predict(df),
            "predict(df) x20": lambda: [fc.predict(df) for _ in range(20)],
            "backtest(df, 50, 24)": lambda: fc.backtest(df, n_windows=50, step=24),
            "save": lambda: fc.save(out / "model"),
            "load": lambda: Forecaster.load(out / "model"),
        }
        for path, run in paths.items():
            seconds[path] = median_time(run, repeats=repeats)
        seconds["ssm-ts forecast predict"] = command_seconds(fc.best_checkpoint_, csv, out)
    rows = [{"path": path, "seconds": value} for path, value in seconds.items()]
    print_table(rows, ["path", "seconds"])
    settings = {"train_batches": args.train_batches, "repeats": repeats, "quick": args.quick}
    print(f"wrote {write_results(name, {'settings': settings, 'rows': rows})}")


if __name__ == "__main__":
    main()
