"""Long-horizon forecasting benchmark on ETT (and breadth sets) against the closed-form ridge floor.

Standard protocol (../shared/data/README.md): ETTh* rows [0, 8640) / [8640, 11520) / [11520, 14400),
ETTm* four times that, other files 70/10/20; per-column StandardScaler fitted on the training rows;
lookback 336; MSE / MAE in scaled space over every stride-1 test window. Data loading, splitting and
scaling go through the product pipeline (``ssm_ts.pipelines.forecasting.ForecastDataModule``).

For each case the script computes the ridge floor (a linear map from the last-value-normalised
lookback to the horizon, shared across channels, closed form, alpha chosen on validation), then trains
each model with AdamW and early stopping on validation MSE within a time budget (validation also at
step 0), keeps the best validation weights, and reads the test split once. A model built with
``linear_init="ridge"`` (SpaceTime's benchmark setting) first gets its linear path from the same
closed-form ridge fit on the training windows (alpha on validation), frozen, and its SSM learns the
residual. Validation and the kept weights use an exponential moving average of the weights
(``--ema``). Training time (wall and this process's CPU seconds: the machine may be shared) includes
that fit. ``--ensemble K`` trains K members (seeds ``seed .. seed + K - 1``, each with a K-th of the
budget, each stopped on its own validation error) and scores the mean of their forecasts.
``--blend-floor`` also scores each model stacked with the floor, ``w * model + (1 - w) * floor``, with
``w`` in [0, 1] the least-squares weight on the validation windows (a one-weight stacking ensemble, as
darts' ``RegressionEnsembleModel`` fits on a held-out part; test read once). A second
section times one SpaceTime training step at batch 50, lookback 336, horizon 720,
univariate (median of several, wall and CPU seconds); ``--forward-repeats N`` also times its evaluation
forward at ETTh1's multivariate shapes (7 series, batch 32 and 128, horizons 96 and 720).

    python benchmarks/forecast_ett.py --data-dir ../shared/data/forecasting --cases ETTh1:M:96 ETTh1:S:720 \\
        --models spacetime nlinear --budget-min 20 --threads 1

Writes ``results/forecast_ett.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DATA_SOURCES,
    RESULTS_DIR,
    alternating_medians,
    check_device,
    check_writable,
    median_time,
    require_files,
    write_results,
)

from ssm_ts.core import ssm_param_groups  # noqa: E402
from ssm_ts.models.forecasting_registry import build_forecasting_model  # noqa: E402
from ssm_ts.models.linear import RidgeFit, fit_ridge_map, init_linear_path_with_ridge, wants_ridge_init  # noqa: E402
from ssm_ts.models.losses import build_forecast_loss  # noqa: E402
from ssm_ts.pipelines.forecasting import ForecastDataModule  # noqa: E402

DEFAULT_CASES = ["ETTh1:M:96", "ETTh1:M:720", "ETTh1:S:96", "ETTh1:S:720"]
DATA = Path(__file__).resolve().parents[2] / "shared/data/forecasting"
BREADTH_CASES = ["ETTm1:M:96", "ETTm1:S:96", "exchange_rate:M:96", "exchange_rate:S:96"]
SPLITS = {"ETTh1": "ett_h", "ETTh2": "ett_h", "ETTm1": "ett_m", "ETTm2": "ett_m"}
REFERENCE = {  # the targets (ridge floor figures from the data README)
    "ETTh1:M:96": 0.370,
    "ETTh1:M:720": 0.434,
    "ETTh1:S:96": 0.053,
    "ETTh1:S:720": 0.080,
}
MODEL_OPTIONS = {
    "spacetime": {"d_model": 16, "d_state": 32, "n_layers": 1, "dropout": 0.1, "linear_init": "ridge"},
    "s4d": {"d_model": 16, "d_state": 32, "n_layers": 1, "dropout": 0.1},
    "nlinear": {},
    "dlinear": {},
}
# Per-case overrides chosen on validation MSE only (mean of seeds 0, 1, 2; 20 min each, 1 thread). Three
# settings of SpaceTime were compared in every ETTh1 case: the linear path from the closed-form ridge fit,
# frozen ("ridge"); trained with the rest from "repeat the last value" ("default"); and "default" with
# RevIN-style instance normalisation (each window's mean and std, "mean_std") instead of its last value.
# Validation MSE, ridge / default / mean_std:
#   M-96 0.6697 / 0.6676 / 0.6683 (seeds 0-4: default 0.6673, mean_std 0.6682), M-720 1.4272 / 1.4252 / 1.4140,
#   S-96 0.0892 / 0.0890 / 0.0904, S-720 0.1585 / 0.1536 / 0.1647.
_TRAINED_LINEAR_PATH = {"spacetime": {"linear_init": "default"}}
_TRAINED_LINEAR_PATH_REVIN = {"spacetime": {"linear_init": "default", "instance_norm": "mean_std"}}
CASE_OPTIONS = {
    "ETTh1:M:96": _TRAINED_LINEAR_PATH,
    "ETTh1:M:720": _TRAINED_LINEAR_PATH_REVIN,
    "ETTh1:S:96": _TRAINED_LINEAR_PATH,
    "ETTh1:S:720": _TRAINED_LINEAR_PATH,
}


# ---------------------------------------------------------------------------------------- data


class SplitTensors:
    """Scaled series ``(T, channels)`` and window starts per split, read through the product pipeline."""

    def __init__(
        self, data_dir: Path, dataset: str, mode: str, lookback: int, horizon: int, device: str = "cpu"
    ):
        module = ForecastDataModule(
            path=str(data_dir / f"{dataset}.csv"),
            target="OT" if mode == "S" else None,
            lookback=lookback,
            horizon=horizon,
            split=SPLITS.get(dataset, "standard"),
        )
        module.setup("fit")
        windows = module.windows("train")
        scaled = module.scaler.transform(windows.inputs.numpy().astype("float64"))
        self.series = torch.from_numpy(scaled).float().to(device)
        self.n_channels, self.n_outputs = module.n_channels, module.n_outputs
        self.lookback, self.horizon = lookback, horizon
        self.starts = {
            split: torch.tensor(list(module.windows(split).starts), device=device)
            for split in ("train", "val", "test")
        }

    def batch(self, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x (B, lookback, channels), y (B, horizon, targets))`` for window start rows."""
        index = starts.unsqueeze(1) + torch.arange(self.lookback + self.horizon, device=starts.device)
        windows = self.series[index]
        return windows[:, : self.lookback], windows[:, self.lookback :, : self.n_outputs]


# ---------------------------------------------------------------------------------------- ridge floor


def last_value_rows(data: SplitTensors, starts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Target rows ``(windows * targets, lookback)`` and ``(windows * targets, horizon)`` minus each
    window's last value: the ridge floor's shared, channel-independent design."""
    x, y = data.batch(starts)
    x = x[..., : data.n_outputs].double()
    last = x[:, -1:]
    X = (x - last).permute(0, 2, 1).reshape(-1, data.lookback)
    Y = (y.double() - last).permute(0, 2, 1).reshape(-1, data.horizon)
    return X, Y


def ridge_floor(data: SplitTensors, chunk: int = 2048) -> tuple[RidgeFit, dict]:
    """Closed-form ridge from the last-value-normalised lookback to the horizon, shared across channels,
    fitted on the training windows, alpha chosen on validation, test read once: (fit, result)."""

    def rows(split: str):
        return (last_value_rows(data, starts) for starts in data.starts[split].split(chunk))

    fit = fit_ridge_map(rows("train"), rows("val"))
    test_mse, test_mae = evaluate(lambda x: ridge_forecast(fit, data, x), data, "test")
    return fit, {"alpha": fit.alpha, "val_mse": fit.val_mse, "test_mse": test_mse, "test_mae": test_mae}


def ridge_forecast(fit: RidgeFit, data: SplitTensors, x: torch.Tensor) -> torch.Tensor:
    """The floor's forecast ``(B, horizon, targets)`` for scaled lookbacks ``x (B, lookback, channels)``."""
    x = x[..., : data.n_outputs].double()
    last = x[:, -1:]
    rows = (x - last).permute(0, 2, 1).reshape(-1, data.lookback)
    pred = (rows @ fit.weight).reshape(x.shape[0], data.n_outputs, data.horizon).permute(0, 2, 1)
    return (pred + last).float()


# ---------------------------------------------------------------------------------------- training


def forecaster(model) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x -> (B, horizon, targets)`` for a model or a list of models (their mean forecast)."""
    members = model if isinstance(model, list) else [model]
    for member in members:
        member.eval()
    return lambda x: torch.stack([member(x).prediction[..., 0] for member in members]).mean(0)


@torch.no_grad()
def split_forecasts(
    predict, data: SplitTensors, split: str, batch: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """Forecasts and truths ``(windows, horizon, targets)`` over every window of ``split``."""
    preds, truths = [], []
    for chunk in data.starts[split].split(batch):
        x, y = data.batch(chunk)
        preds.append(predict(x))
        truths.append(y)
    return torch.cat(preds), torch.cat(truths)


def evaluate(model, data: SplitTensors, split: str) -> tuple[float, float]:
    """MSE and MAE over every window of ``split``; ``model`` is a model, a list of models (their mean
    forecast is scored) or a function ``x -> forecast``."""
    predict = model if callable(model) and not isinstance(model, torch.nn.Module) else forecaster(model)
    pred, y = split_forecasts(predict, data, split)
    return ((pred - y) ** 2).mean().item(), (pred - y).abs().mean().item()


def blend_with_floor(model, fit: RidgeFit, data: SplitTensors) -> dict:
    """Stack a trained model with the ridge floor: ``w * model + (1 - w) * floor``, ``w`` in [0, 1] the
    least-squares weight on the validation windows (closed form), then the test split read once."""
    predict = forecaster(model)

    def both(split: str):
        learned, y = split_forecasts(predict, data, split)
        floor, _ = split_forecasts(lambda x: ridge_forecast(fit, data, x), data, split)
        return learned.double(), floor.double(), y.double()

    learned, floor, y = both("val")
    gap = learned - floor
    weight = float(((gap * (y - floor)).sum() / (gap**2).sum().clamp_min(1e-12)).clamp(0.0, 1.0))
    val_mse = ((floor + weight * gap - y) ** 2).mean().item()
    learned, floor, y = both("test")
    err = floor + weight * (learned - floor) - y
    return {
        "weight": weight,
        "val_mse": val_mse,
        "test_mse": (err**2).mean().item(),
        "test_mae": err.abs().mean().item(),
    }


def train(name: str, data: SplitTensors, args, options: dict) -> tuple[list, dict]:
    """Train ``args.ensemble`` members (seeds ``seed, seed + 1, ...``), each with an equal share of the
    budget, and score the mean of their forecasts (one member: the plain model): (members, result)."""
    start, cpu_start = time.perf_counter(), time.process_time()
    share = args.budget_min * 60 / args.ensemble
    members, results = [], []
    for member in range(args.ensemble):
        model, result = train_member(name, data, args, options, args.seed + member, share)
        members.append(model)
        results.append(result)
    if args.ensemble == 1:
        return members, results[0]
    val_mse, _ = evaluate(members, data, "val")
    test_mse, test_mae = evaluate(members, data, "test")  # read once, with every member's best weights
    return members, {
        "val_mse": val_mse,
        "train_seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "test_mse": test_mse,
        "test_mae": test_mae,
        "options": options,
        "ensemble": args.ensemble,
        "members": results,
    }


def train_member(name: str, data: SplitTensors, args, options: dict, seed: int, budget: float):
    """One model trained with early stopping on validation within ``budget`` seconds: (model, result)."""
    torch.manual_seed(seed)
    model = build_forecasting_model(
        name,
        lookback=data.lookback,
        horizon=data.horizon,
        n_channels=data.n_channels,
        n_outputs=data.n_outputs,
        channel_independent=True,
        options=options,
    ).to(data.series.device)
    start, cpu_start = time.perf_counter(), time.process_time()  # training time includes the ridge fit
    ridge = None
    if wants_ridge_init(model):  # closed-form linear path from training windows, alpha on validation
        ridge = init_linear_path_with_ridge(
            model,
            (data.batch(chunk) for chunk in data.starts["train"].split(2048)),
            (data.batch(chunk) for chunk in data.starts["val"].split(2048)),
        )
    optimizer = torch.optim.AdamW(ssm_param_groups(model, args.lr, args.weight_decay, ssm_lr=args.lr))
    loss_fn = build_forecast_loss("mse")
    generator = torch.Generator().manual_seed(seed)
    train_starts = data.starts["train"].cpu()
    # With --ema, validation (and the kept weights) use an exponential moving average of the weights:
    # the SSM residual's validation error jumps from step to step, its average much less.
    averaged = copy.deepcopy(model) if args.ema else model
    val_mse, _ = evaluate(averaged, data, "val")  # step 0: the initialisation may already be the best
    best = (val_mse, copy.deepcopy(averaged.state_dict()), 0)
    evaluations, bad, steps = [{"step": 0, "val_mse": val_mse, "seconds": time.perf_counter() - start}], 0, 0
    stop = False
    while not stop:
        order = train_starts[torch.randperm(len(train_starts), generator=generator)]
        for chunk in order.split(args.batch_size):
            model.train()
            x, y = data.batch(chunk.to(data.series.device))
            out = model(x)
            loss = loss_fn(out.prediction, y)
            if out.aux_loss is not None:
                loss = loss + out.aux_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if args.ema:
                with torch.no_grad():
                    torch._foreach_lerp_(
                        list(averaged.parameters()), list(model.parameters()), 1.0 - args.ema
                    )
            steps += 1
            over_budget = time.perf_counter() - start > budget
            if steps % args.eval_every == 0 or over_budget:
                val_mse, _ = evaluate(averaged, data, "val")
                evaluations.append(
                    {"step": steps, "val_mse": val_mse, "seconds": time.perf_counter() - start}
                )
                if val_mse < best[0]:
                    best, bad = (val_mse, copy.deepcopy(averaged.state_dict()), steps), 0
                else:
                    bad += 1
                if bad >= args.patience or over_budget or steps >= args.max_steps:
                    stop = True
                    break
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    model.load_state_dict(best[1])
    test_mse, test_mae = evaluate(model, data, "test")  # with the best validation weights
    return model, {
        "seed": seed,
        "val_mse": best[0],
        "best_step": best[2],
        "steps": steps,
        "train_seconds": seconds,
        "cpu_seconds": cpu_seconds,  # on a shared machine: the CPU time this process actually got
        "test_mse": test_mse,
        "test_mae": test_mae,
        "options": options,
        "ridge_init": None if ridge is None else {"alpha": ridge.alpha, "val_mse": ridge.val_mse},
        "evaluations": evaluations,
    }


def time_spacetime_step(repeats: int) -> dict:
    """Median seconds of one SpaceTime training step: batch 50, lookback 336, horizon 720, univariate."""
    torch.manual_seed(0)
    model = build_forecasting_model("spacetime", lookback=336, horizon=720, n_channels=1, n_outputs=1)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x, y = torch.randn(50, 336, 1), torch.randn(50, 720, 1)
    loss_fn = build_forecast_loss("mse")

    def step():
        out = model(x)
        loss = loss_fn(out.prediction, y) + out.aux_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    wall = median_time(step, repeats=repeats, warmup=2)
    # CPU seconds of this process per step: with one thread, what the step costs on a core of its own
    # (on a shared machine the wall time also counts the time spent waiting for a core).
    cpu_times = []
    for _ in range(repeats):
        cpu_start = time.process_time()
        step()
        cpu_times.append(time.process_time() - cpu_start)
    cpu = statistics.median(cpu_times)
    return {
        "median_seconds": wall,
        "median_cpu_seconds": cpu,
        "threads": torch.get_num_threads(),
        "repeats": repeats,
        "target_seconds": 1.4,
    }


FORWARD_SHAPES = [(32, 96), (32, 720), (128, 96), (128, 720)]  # (batch, horizon) of ETTh1's 7 series


def time_spacetime_forward(repeats: int) -> dict:
    """Median seconds of one SpaceTime evaluation forward (no gradients) at ETTh1's multivariate shapes:
    7 series channel-independent (7 x batch rows), lookback 336, the benchmark's model options (the
    linear path at its default start: no data to fit a ridge map on), each (batch, horizon) of
    ``FORWARD_SHAPES``; the shapes' runs interleaved, so that a drift in the machine's speed moves all
    alike."""
    options = {**MODEL_OPTIONS["spacetime"], "linear_init": "default"}
    forwards = {}
    for batch, horizon in FORWARD_SHAPES:
        torch.manual_seed(0)
        model = build_forecasting_model(
            "spacetime", lookback=336, horizon=horizon, n_channels=7, n_outputs=7, options=options
        ).eval()
        x = torch.randn(batch, 336, 7)

        @torch.no_grad()
        def forward(model=model, x=x):
            model(x)

        forwards[f"batch{batch}_horizon{horizon}"] = forward
    return {
        "median_seconds": alternating_medians(forwards, repeats=repeats, warmup=2),
        "threads": torch.get_num_threads(),
        "repeats": repeats,
        "options": options,
    }


def main() -> None:
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
    parser.add_argument(
        "--cases",
        nargs="*",
        default=DEFAULT_CASES,
        help="DATASET:MODE:HORIZON, e.g. ETTh1:M:96 (empty: timing only)",
    )
    parser.add_argument("--breadth", action="store_true", help="also run " + " ".join(BREADTH_CASES))
    parser.add_argument("--models", nargs="+", default=["spacetime", "nlinear"])
    parser.add_argument(
        "--options", type=json.loads, default=None, help="JSON {model: {option: value}} overrides"
    )
    parser.add_argument("--lookback", type=int, default=336)
    parser.add_argument(
        "--budget-min", type=float, default=20.0, help="training time budget per model and case"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--eval-every", type=int, default=100, help="validate every N steps (early stopping)")
    parser.add_argument(
        "--patience", type=int, default=8, help="validations without improvement before stopping"
    )
    parser.add_argument("--max-steps", type=int, default=100_000)
    parser.add_argument(
        "--ema", type=float, default=0.99, help="validate an EMA of the weights with this decay (0: off)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--ensemble", type=int, default=1, help="members per model (seeds seed..), mean forecast scored"
    )
    parser.add_argument(
        "--blend-floor",
        action="store_true",
        help="also score each model stacked with the ridge floor (weight fitted on validation)",
    )
    parser.add_argument("--step-repeats", type=int, default=7, help="repeats of the step timing (0 skips it)")
    parser.add_argument(
        "--forward-repeats",
        type=int,
        default=0,
        help="repeats of the evaluation forward timing at ETTh1's shapes (0, the default, skips it)",
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu", help="torch device for training and evaluation")
    parser.add_argument(
        "--out", default="forecast_ett", help="write results/<out>.json (an earlier one is kept)"
    )
    args = parser.parse_args()
    check_device(args.device)
    check_writable(RESULTS_DIR / f"{args.out}.json", "--out")
    cases = list(args.cases) + (BREADTH_CASES if args.breadth else [])
    malformed = [case for case in cases if not re.fullmatch(r"[^:]+:[MS]:[1-9][0-9]*", case)]
    if malformed:
        parser.error(
            f"--cases {' '.join(malformed)}: a case is DATASET:MODE:HORIZON, MODE M (every column) or S (OT "
            "alone), e.g. ETTh1:M:96 ETTh1:S:720"
        )
    files = dict.fromkeys(f"{case.split(':')[0]}.csv" for case in cases)
    require_files(args.data_dir, files, "--data-dir", DATA_SOURCES["forecasting"], default=DATA)
    if args.threads:
        torch.set_num_threads(args.threads)

    results: dict = {"settings": {k: str(v) for k, v in vars(args).items()}, "cases": {}}
    if args.step_repeats > 0:
        results["spacetime_step"] = time_spacetime_step(args.step_repeats)
        print(
            f"SpaceTime step (batch 50, 336 -> 720, univariate): {results['spacetime_step']['median_seconds']:.3f} s "
            f"wall, {results['spacetime_step']['median_cpu_seconds']:.3f} s CPU (median)"
        )
    if args.forward_repeats > 0:
        results["spacetime_forward"] = time_spacetime_forward(args.forward_repeats)
        medians = results["spacetime_forward"]["median_seconds"]
        print(
            "SpaceTime evaluation forward (7 series, 336 -> horizon, median): "
            + ", ".join(f"{name} {seconds * 1e3:.1f} ms" for name, seconds in medians.items())
        )
    rows = []
    for case in cases:
        dataset, mode, horizon = case.split(":")
        data = SplitTensors(args.data_dir, dataset, mode, args.lookback, int(horizon), args.device)
        fit, floor = ridge_floor(data)
        entry = {"ridge": floor, "target_mse": REFERENCE.get(case)}
        rows.append((case, "ridge", entry["ridge"], entry["ridge"]))
        for name in args.models:
            options = {
                **MODEL_OPTIONS.get(name, {}),
                **CASE_OPTIONS.get(case, {}).get(name, {}),
                **(args.options or {}).get(name, {}),
            }
            members, entry[name] = train(name, data, args, options)
            rows.append((case, name, entry[name], entry["ridge"]))
            print(
                f"{case:22s} {name:10s} test MSE {entry[name]['test_mse']:.4f} MAE {entry[name]['test_mae']:.4f} "
                f"({entry[name]['train_seconds']:.0f} s; ridge {entry['ridge']['test_mse']:.4f})",
                flush=True,
            )
            if args.blend_floor:
                stacked = f"{name}+ridge"
                entry[stacked] = blend_with_floor(members, fit, data)
                rows.append((case, stacked, entry[stacked], entry["ridge"]))
                print(
                    f"{case:22s} {stacked:10s} test MSE {entry[stacked]['test_mse']:.4f} "
                    f"(weight {entry[stacked]['weight']:.3f} on validation)",
                    flush=True,
                )
        results["cases"][case] = entry
        write_results(args.out, results)
    header = ("case", "model", "val MSE", "test MSE", "test MAE", "train s", "CPU s", "ridge test")
    print("\n{:22s} {:10s} {:>8s} {:>9s} {:>9s} {:>8s} {:>8s} {:>10s}".format(*header))
    for case, name, r, floor in rows:
        print(
            f"{case:22s} {name:10s} {r['val_mse']:8.4f} {r['test_mse']:9.4f} {r['test_mae']:9.4f} "
            f"{r.get('train_seconds', 0.0):8.0f} {r.get('cpu_seconds', 0.0):8.0f} {floor['test_mse']:10.4f}"
        )
    print(f"wrote {write_results(args.out, results)}")


if __name__ == "__main__":
    main()
