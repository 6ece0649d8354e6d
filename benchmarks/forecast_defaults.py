"""Do the Forecaster's defaults beat a (seasonal) naive forecast on real univariate series?

For each series a user would bring, fit ``Forecaster()`` with its defaults (SpaceTime) except the
lookback, horizon and ``quantiles=[0.1, 0.5, 0.9]`` (for the 80% interval; the point forecast is then
the median), ``Forecaster(model="nlinear")`` and ``Forecaster(model="s4d")``, each with the
Forecaster's own chronological split and early stopping on the validation rows. Then a rolling
backtest with ``Forecaster.backtest`` whose windows all lie in the TEST rows (step = horizon, as many
windows as fit: the first forecast row is at or after the first test row), scored with
``ssm_ts.evaluate(..., train=<train + validation rows>, season_length=m)`` in the data's own units.
Two baselines computed here, naive (last value) and seasonal naive (the value one season before,
``y[T + h - m * (1 + (h - 1) // m)]``), are scored on exactly the same windows (same frame layout).
The same backtest over the VALIDATION rows is scored too: it is the only figure a user (or this
script's proposals) may use to choose between settings; nothing here is tuned on the test windows.

Settings, chosen from each series' frequency before any test score was seen:

| name          | series                          | rows  | split (train/val/test)     | horizon | lookback | season m |
|---------------|---------------------------------|-------|----------------------------|---------|----------|----------|
| co2           | Mauna Loa CO2, weekly, gaps     | 2284  | 70/10/20 ("standard")      | 26      | 104      | 52       |
|               | filled by ``fill="interpolate"``|       |                            |         |          |          |
| ETTh1         | ETTh1 ``OT``, hourly            | 14400 | ETT preset ``ett_h``       | 24      | 168      | 24       |
| ETTm1         | ETTm1 ``OT``, 15 min            | 57600 | ETT preset ``ett_m``       | 96      | 384      | 96       |
| exchange_rate | exchange_rate ``OT``, daily     | 7588  | 70/10/20 ("standard")      | 30      | 90       | 7        |
| ILI           | national_illness ``% WEIGHTED   | 966   | 70/10/20 ("standard")      | 12      | 52       | 52       |
|               | ILI``, weekly                   |       |                            |         |          |          |

exchange_rate has a row for every calendar day (weekends included, repeated values), so its season is
7 rows, not 5. ETT files are cut at the preset's test end (rows after it are unused by the protocol).
Backtests run on slices of the fitted ``history_``, which carry the fill record: actuals the fill
invented are NaN, never scored (each backtest checks it; CO2's filled weeks are all training rows).
Scaled metrics (MASE) use the in-sample seasonal-naive error of the train + validation rows (values the
fill policy invented are left out), so MASE < 1 means better than seasonal naive *in sample*; the
``seasonal_naive`` row gives the out-of-sample reference. Coverage is the share of actuals inside the
80% interval ``[q0.1, q0.9]`` (SpaceTime only). Fit seconds: wall time of ``fit`` (training,
validation and the one test evaluation), median over seeds.

    python benchmarks/forecast_defaults.py --threads 1                 # every series, seeds 0 1 2
    python benchmarks/forecast_defaults.py --only ILI --seeds 0 --max-epochs 2
    python benchmarks/forecast_defaults.py --quick                     # one small series, 1 epoch

Writes ``results/forecast_defaults.json`` (``forecast_defaults_quick.json`` with ``--quick``) after each series
and prints a table.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    results_name,
    write_results,
)

from ssm_ts import Forecaster, evaluate  # noqa: E402
from ssm_ts.datasets import write_co2_csv  # noqa: E402
from ssm_ts.pipelines.forecasting import filled_targets  # noqa: E402
from ssm_ts.pipelines.forecasting.split import SplitBoundaries, split_boundaries  # noqa: E402

QUANTILES = [0.1, 0.5, 0.9]
METRICS = ["mae", "rmse", "mase"]
BASELINES = ("naive", "seasonal_naive")


@dataclass(frozen=True)
class Case:
    """One series: where it comes from and the settings a user would pick from its frequency."""

    name: str
    file: str | None  # a CSV under --data; None: the bundled CO2 record
    target: str
    horizon: int
    lookback: int
    season: int
    split: str = "standard"
    n_rows: int | None = None  # keep the first n rows (the ETT presets end their test split there)
    fill: str | None = None


CASES = {
    "co2": Case("co2", None, "co2", 26, 104, 52, fill="interpolate"),
    "ETTh1": Case("ETTh1", "ETTh1.csv", "OT", 24, 168, 24, split="ett_h", n_rows=14400),
    "ETTm1": Case("ETTm1", "ETTm1.csv", "OT", 96, 384, 96, split="ett_m", n_rows=57600),
    "exchange_rate": Case("exchange_rate", "exchange_rate.csv", "OT", 30, 90, 7),
    "ILI": Case("ILI", "national_illness.csv", "% WEIGHTED ILI", 12, 52, 52),
}
DATA = Path(__file__).resolve().parents[2] / "shared/data/forecasting"
MODELS = {  # label -> Forecaster keyword arguments besides lookback / horizon
    "spacetime": {"quantiles": QUANTILES},
    "nlinear": {"model": "nlinear"},
    "s4d": {"model": "s4d"},
}


# ---------------------------------------------------------------------------------------- data


def load_case(case: Case, data_dir: Path, scratch: Path) -> pd.DataFrame:
    """The case's table: ``date`` and the target column (rows as the file has them, gaps kept)."""
    if case.file is None:
        path = write_co2_csv(scratch / "co2.csv")
    else:
        path = data_dir / case.file
        if not path.exists():
            raise SystemExit(f"{path} not found: pass --data <folder with {case.file}>.")
    frame = pd.read_csv(path)
    frame = frame[["date", case.target]]
    return frame.iloc[: case.n_rows].reset_index(drop=True) if case.n_rows else frame


def windows_in(bounds: SplitBoundaries, split: str, n_rows: int, horizon: int) -> int:
    """How many backtest windows of step ``horizon``, counted back from row ``n_rows``, forecast only
    rows of ``split`` (``Forecaster.backtest``: window i starts at ``T - H - (n - 1 - i) * H``)."""
    first = bounds.val_end if split == "test" else bounds.train_end
    return (n_rows - horizon - first) // horizon + 1


def baseline_frame(frame: pd.DataFrame, values: np.ndarray, target: str, season: int | None) -> pd.DataFrame:
    """``frame`` (a wide ``backtest`` frame) with its forecast replaced by the naive (``season``
    None) or seasonal-naive forecast read from ``values`` (the series the model saw, row order).

    The rows of ``frame`` are its windows in order, ``horizon`` rows each; the forecast rows of a
    window start right after its cutoff's row."""
    out = frame[["cutoff", frame.columns[1], target, f"{target}_actual"]].copy()
    times = pd.Index(frame[frame.columns[1]])
    horizon = int((frame["cutoff"] == frame["cutoff"].iloc[0]).sum())
    starts = np.asarray(_rows_of(times[::horizon], frame.attrs["all_times"]))
    h = np.tile(np.arange(horizon), len(starts))
    origin = np.repeat(starts, horizon)
    source = origin - 1 if season is None else origin + h - season * (1 + h // season)
    out[target] = values[source]
    return out


def _rows_of(times: pd.Index, all_times: pd.Index) -> np.ndarray:
    rows = all_times.get_indexer(times)
    if (rows < 0).any():
        raise RuntimeError("backtest times not found in the fitted series")
    return rows


# ---------------------------------------------------------------------------------------- scoring


def score(frame: pd.DataFrame, train: pd.DataFrame, season: int, interval: bool) -> dict[str, float]:
    metrics = METRICS + (["coverage"] if interval else [])
    table = evaluate(frame, metrics, train=train, season_length=season)
    row = table[table["series"] == "all"].iloc[0]
    result = {m: float(row[m]) for m in METRICS}
    if interval:
        result["coverage_80"] = float(row["coverage_80"])
    result["n"] = int(row["n"])
    return result


def run_model(
    case: Case, table: pd.DataFrame, label: str, seed: int, args: argparse.Namespace, out_dir: Path
) -> dict[str, Any]:
    """Fit one model with one seed; its validation and test backtest frames and fit facts."""
    options = {**MODELS[label], "lookback": case.lookback, "horizon": case.horizon, "split": case.split}
    if args.max_epochs is not None:
        options["max_epochs"] = args.max_epochs
    if args.max_time is not None:
        options["max_time"] = args.max_time
    forecaster = Forecaster(
        **options,
        seed=seed,
        log_to_mlflow=False,
        out_dir=str(out_dir / f"{case.name}-{label}-{seed}"),
        trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    )
    start = time.perf_counter()
    forecaster.fit(table, time_col="date", target=case.target, fill=case.fill)
    seconds = time.perf_counter() - start
    return {"forecaster": forecaster, "fit_seconds": seconds, "metrics": forecaster.metrics_}


def run_case(case: Case, args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    table = load_case(case, args.data, scratch)
    entry: dict[str, Any] = {"settings": case.__dict__, "models": {}}
    reference: dict[str, Any] | None = None
    for label in args.models:
        runs = []
        for seed in args.seeds:
            run = run_model(case, table, label, seed, args, scratch)
            fc = run["forecaster"]
            if reference is None:
                reference = reference_frames(case, fc)
                entry["n_rows"], entry["bounds"] = reference["n_rows"], reference["bounds"]
                entry["windows"] = {s: reference[s]["n_windows"] for s in ("val", "test")}
                for baseline in BASELINES:
                    entry["models"][baseline] = {
                        s: score(reference[s][baseline], reference["train"][s], case.season, False)
                        for s in ("val", "test")
                    }
            scores = {}
            for split in ("val", "test"):
                frame = backtest(fc, reference, split)
                scores[split] = score(frame, reference["train"][split], case.season, label == "spacetime")
            runs.append(
                {
                    "seed": seed,
                    "fit_seconds": run["fit_seconds"],
                    "best_checkpoint": Path(fc.best_checkpoint_).name if fc.best_checkpoint_ else None,
                    "val_mse_scaled": run["metrics"].get("val_mse"),
                    **scores,
                }
            )
            print(
                f"  {case.name:14s} {label:10s} seed {seed}: test MASE {scores['test']['mase']:.3f} "
                f"(val {scores['val']['mase']:.3f}), fit {run['fit_seconds']:.0f} s",
                flush=True,
            )
        entry["models"][label] = summarise(runs)
    return entry


def reference_frames(case: Case, fc: Forecaster) -> dict[str, Any]:
    """Window counts, the scaled-metric histories and the baselines' frames, from the fitted series."""
    history = fc.history_  # the series as fitted: the regular grid, fills included
    n_rows, horizon = len(history), case.horizon
    bounds = split_boundaries(n_rows, case.split)
    times = pd.Index(history[fc.spec_.time_col])
    values = history[case.target].to_numpy(dtype="float64")
    observed = np.where(filled_targets(history, fc.spec_)[:, 0], np.nan, values)
    train = history[[fc.spec_.time_col]].assign(**{case.target: observed})
    out: dict[str, Any] = {
        "n_rows": n_rows,
        "bounds": [bounds.train_end, bounds.val_end, bounds.test_end],
        "values": values,
        "times": times,
        # MASE scale: validation windows scaled by the train rows, test ones by train + validation
        "train": {"val": train.iloc[: bounds.train_end], "test": train.iloc[: bounds.val_end]},
    }
    for split, end in (("val", bounds.val_end), ("test", bounds.test_end)):
        n_windows = windows_in(bounds, split, end, horizon)
        frame = history_backtest(fc, end, n_windows)
        first = times.get_loc(frame.iloc[0, 1])
        assert first >= (bounds.val_end if split == "test" else bounds.train_end), "window outside split"
        frame.attrs["all_times"] = times
        out[split] = {
            "n_windows": n_windows,
            "end": end,
            "naive": baseline_frame(frame, values, case.target, None),
            "seasonal_naive": baseline_frame(frame, values, case.target, case.season),
        }
    return out


def backtest(fc: Forecaster, reference: dict[str, Any], split: str) -> pd.DataFrame:
    spec = reference[split]
    return history_backtest(fc, spec["end"], spec["n_windows"])


def history_backtest(fc: Forecaster, end: int, n_windows: int) -> pd.DataFrame:
    """``fc.backtest`` of the fitted series' first ``end`` rows (step = horizon), checked to leave the
    values the fill invented unscored: its ``<target>_actual`` is NaN exactly there (the slice of
    ``history_`` carries the fill record; a frame without it would score those values as data)."""
    frame = fc.backtest(fc.history_.iloc[:end], n_windows=n_windows, step=fc.horizon)
    rows = pd.Index(fc.history_[fc.spec_.time_col]).get_indexer(frame[fc.spec_.time_col])
    filled = filled_targets(fc.history_, fc.spec_)[rows]
    actual = frame[[f"{t}_actual" for t in fc.spec_.targets]].isna().to_numpy()
    if not np.array_equal(actual, filled):
        raise RuntimeError("the backtest scores values the fill invented (or leaves data unscored)")
    return frame


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per split and metric: mean and standard deviation over seeds; median fit seconds."""
    summary: dict[str, Any] = {"runs": runs, "fit_seconds": statistics.median(r["fit_seconds"] for r in runs)}
    for split in ("val", "test"):
        keys = [k for k in runs[0][split] if k != "n"]
        summary[split] = {
            **{k: statistics.mean(r[split][k] for r in runs) for k in keys},
            **{
                f"{k}_sd": statistics.stdev(r[split][k] for r in runs) if len(runs) > 1 else 0.0 for k in keys
            },
            "n": runs[0][split]["n"],
        }
    return summary


def table_rows(results: dict[str, Any], split: str) -> list[dict[str, Any]]:
    rows = []
    for name, entry in results.items():
        seasonal = entry["models"]["seasonal_naive"][split]["mae"]
        for label, model in entry["models"].items():
            s = model[split]
            rows.append(
                {
                    "series": name,
                    "model": label,
                    "MAE": s["mae"],
                    "±": s.get("mae_sd", 0.0),
                    "RMSE": s["rmse"],
                    "MASE": s["mase"],
                    "MASE±": s.get("mase_sd", 0.0),
                    "MAE/snaive": s["mae"] / seasonal,
                    "cov80": s.get("coverage_80", ""),
                    "fit s": model.get("fit_seconds", ""),
                    "max ep": entry.get("run_settings", {}).get("max_epochs_used", "")
                    if "runs" in model
                    else "",
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="folder with the CSV files (default: ../shared/data/forecasting)",
    )
    parser.add_argument("--only", nargs="+", choices=list(CASES), default=None, help="series to run")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    default_epochs = inspect.signature(Forecaster).parameters["max_epochs"].default
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=None,
        help=f"epoch limit (default: the Forecaster's, {default_epochs})",
    )
    parser.add_argument(
        "--max-time", default=None, help='per-fit wall-clock limit "DD:HH:MM:SS" (default: none)'
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="ILI only, seed 0, one epoch (a smoke run)")
    parser.add_argument("--out", default=None, help="write results/<out>.json (forecast_defaults[_quick])")
    parser.add_argument(
        "--append", action="store_true", help="keep the other series already in the results file"
    )
    args = parser.parse_args()
    args.out = args.out or results_name("forecast_defaults", args.quick)
    if args.quick:
        args.only, args.seeds, args.max_epochs = args.only or ["ILI"], [0], 1
    check_writable(RESULTS_DIR / f"{args.out}.json", "--out")
    files = [CASES[name].file for name in args.only or CASES if CASES[name].file]  # co2 is bundled
    require_files(args.data, files, "--data", DATA_SOURCES["forecasting"], default=DATA)
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", module="lightning")  # per-fit chatter (workers, logging)
    settings = {k: str(v) for k, v in vars(args).items()}
    settings["max_epochs_used"] = args.max_epochs or default_epochs
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="forecast_defaults-") as scratch:
        for name in args.only or list(CASES):
            print(f"{name} ...", flush=True)
            results[name] = {"run_settings": settings, **run_case(CASES[name], args, Path(scratch))}
            results = save(args, settings, results)
    columns = [
        "series",
        "model",
        "MAE",
        "±",
        "RMSE",
        "MASE",
        "MASE±",
        "MAE/snaive",
        "cov80",
        "fit s",
        "max ep",
    ]
    for split, title in (("val", "VALIDATION windows"), ("test", "TEST windows")):
        print(f"\n{title} (mean over seeds {args.seeds}; ± = standard deviation)")
        print_table(table_rows(results, split), columns)
    print(f"wrote {RESULTS_DIR / args.out}.json")


def save(args: argparse.Namespace, settings: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """Write the results; with ``--append``, the series of the file that this run did not redo are
    kept (read again at each write, so runs of different series may share the file)."""
    merged = dict(results)
    path = RESULTS_DIR / f"{args.out}.json"
    if args.append and path.exists():
        merged = {**json.loads(path.read_text()).get("series", {}), **results}
    write_results(args.out, {"settings": settings, "series": merged})
    return merged


if __name__ == "__main__":
    main()
