"""The task's losses and metrics are means over the target values the data holds: the values
``fill=`` invented are NaN in the windows' targets and count for nothing, for a point loss and the
quantile (pinball) loss, in every split and for a ragged panel too; data without gaps runs the code
it ran before, bit for bit.

Real ETTh1 rows (the first 1,200: train [0, 840), val [840, 960), test [960, 1200)) with gaps cut in.
Evaluation batches of 7 windows split the observed values unevenly, so a mean of per-batch means
(or a batch weighed by its windows) would differ from the hand computation.
"""

from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets
from ssm_ts.tasks.forecasting import ForecastingTask
from tests.api.test_forecaster_ragged import ragged_table

LOOKBACK, HORIZON = 48, 12
TARGETS = ["OT", "HUFL", "LUFL"]
GAPS = {"OT": [range(300, 330), range(870, 894), range(1000, 1024)], "HUFL": [range(930, 954)],
        "LUFL": [range(1090, 1114), range(1180, 1190)]}  # fmt: skip
QUANTILES = [0.1, 0.5, 0.9]


def gapped(ett: pd.DataFrame, gaps=GAPS) -> pd.DataFrame:
    table = ett[["date", *TARGETS]].copy()
    for column, rows in gaps.items():
        table.loc[[r for gap in rows for r in gap], column] = np.nan
    return table


def trainer() -> pl.Trainer:
    return pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False,
                      enable_checkpointing=False, max_epochs=1)  # fmt: skip


def task_for(module: ForecastDataModule, quantiles=None) -> ForecastingTask:
    torch.manual_seed(0)
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=quantiles,
                           n_channels=module.n_channels, n_outputs=module.n_outputs)  # fmt: skip
    task.set_scaler(module.scaler)
    with torch.no_grad():  # weights away from the identity-like start: errors of every size
        for p in task.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return task


def by_hand(task: ForecastingTask, module: ForecastDataModule, split: str) -> dict[str, float]:
    """The split's scores over the observed targets, from the raw target table and the filled-cell notes
    (not from the windows' ``y``), each window forecast on its own."""
    windows = module.windows(split)
    filled = filled_targets(module.frame, module.spec)
    raw = module.frame[module.spec.targets].to_numpy(dtype="float64")
    mean, scale = task.scaler_mean[: raw.shape[1]].numpy(), task.scaler_scale[: raw.shape[1]].numpy()
    predictions, actuals, observed = [], [], []
    with torch.no_grad():
        for i in range(len(windows)):
            x = windows[i][0][None]
            predictions.append(task(task.scale_inputs(x)).prediction[0].double().numpy())  # (H, C, Q)
            first = int(windows.starts[i]) + LOOKBACK
            actuals.append((raw[first : first + HORIZON] - mean) / scale)
            observed.append(~filled[first : first + HORIZON])
    prediction, actual, seen = np.stack(predictions), np.stack(actuals), np.stack(observed)
    assert 0 < seen.mean() < 1
    point = prediction[..., task.point]
    out = {"mse": np.mean((point - actual)[seen] ** 2), "mae": np.mean(np.abs(point - actual)[seen])}
    if task.hparams.quantiles:
        levels = np.asarray(task.hparams.quantiles)
        error = actual[..., None] - prediction
        out["loss"] = np.mean(np.maximum(levels * error, (levels - 1) * error)[seen])
        ordered = np.sort(prediction, axis=-1)
        inside = (actual >= ordered[..., 0]) & (actual <= ordered[..., -1])
        out["coverage"] = inside[seen].mean()
    else:
        out["loss"] = out["mse"]
    return out


@pytest.mark.parametrize("quantiles", [None, QUANTILES], ids=["mse", "quantile"])
def test_validation_and_test_scores_are_exact_means_over_observed_values(ett, quantiles):
    torch.set_num_threads(1)
    module = ForecastDataModule.from_frame(gapped(ett), fill="interpolate", lookback=LOOKBACK, horizon=HORIZON,
                                           batch_size=2, eval_batch_size=7)  # fmt: skip
    module.setup("fit")
    task = task_for(module, quantiles)
    run = trainer()
    scores = {**run.validate(task, datamodule=module, verbose=False)[0],
              **run.test(task, datamodule=module, verbose=False)[0]}  # fmt: skip
    for split in ("val", "test"):
        for name, expected in by_hand(task, module, split).items():
            assert scores[f"{split}_{name}"] == pytest.approx(expected, rel=1e-5, abs=1e-7), (split, name)
    assert task.fills_unscored and not task.ragged


@pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")  # a step called without a trainer
def test_training_loss_leaves_filled_targets_out(ett):
    torch.set_num_threads(1)
    module = ForecastDataModule.from_frame(gapped(ett), fill="ffill", lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    task = task_for(module, QUANTILES)
    task.fills_unscored = True
    windows = module.windows("train")
    filled = filled_targets(module.frame, module.spec)
    # the training windows whose forecast rows hold OT's first gap (rows 300-329)
    picked = [i for i in range(len(windows)) if 290 <= int(windows.starts[i]) + LOOKBACK <= 300]
    x = torch.stack([windows[i][0] for i in picked])
    y = torch.stack([windows[i][1] for i in picked])
    firsts = [int(windows.starts[i]) + LOOKBACK for i in picked]
    expected_missing = np.stack([filled[f : f + HORIZON] for f in firsts])
    np.testing.assert_array_equal(y.isnan().numpy(), expected_missing)
    assert expected_missing.any()
    loss = task.training_step((x, y), 0)
    assert torch.isfinite(loss)
    # by hand: the pinball loss over the observed values only
    with torch.no_grad():
        prediction = task(task.scale_inputs(x)).prediction.double()
        error = task.scale_targets(y).double().unsqueeze(-1) - prediction
        levels = torch.tensor(QUANTILES, dtype=torch.float64)
        pinball = torch.maximum(levels * error, (levels - 1) * error)[~y.isnan()]
    assert float(loss.detach()) == pytest.approx(float(pinball.mean()), rel=1e-5)


def test_data_without_gaps_runs_the_unmasked_code_and_masking_it_changes_no_bit(ett, tmp_path, monkeypatch):
    """No gap: no target is NaN, the task keeps the unmasked path (the code it ran before these masks),
    and forcing the masked path on the same data gives the same metrics bit for bit."""
    torch.set_num_threads(1)
    table = ett[["date", *TARGETS]]

    def fit(name: str) -> tuple[dict[str, float], bool]:
        fc = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=QUANTILES, max_epochs=2,
                        batch_size=16, seed=0, log_to_mlflow=False, out_dir=str(tmp_path / name),
                        trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
        fc.fit(table, time_col="date", fill="interpolate")  # a fill policy, nothing to fill
        return fc.metrics_, fc.task_.masked

    module = ForecastDataModule.from_frame(table, fill="interpolate", lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    assert module.observed_targets is None
    windows = module.windows("val")
    assert windows.observed is None and not torch.isnan(windows[5][1]).any()
    plain, was_masked = fit("plain")
    assert not was_masked
    all_observed = property(lambda self: np.ones((len(self.frame), self.n_outputs), dtype=bool))
    monkeypatch.setattr(ForecastDataModule, "observed_targets", all_observed)
    monkeypatch.setattr(ForecastingTask, "masked", property(lambda self: True))
    masked, was_masked = fit("masked")
    assert was_masked
    assert set(plain) == set(masked) and {"val_loss", "test_mse", "test_coverage"} <= set(plain)
    assert masked == plain  # float equality, every metric


def test_a_ragged_panel_with_a_filled_gap_scores_the_observed_values_of_its_windows(ett):
    """A gap inside a series' span is filled and left out; the window still scores its other values
    (a (window, series) pair is dropped only when its whole horizon is missing)."""
    torch.set_num_threads(1)
    frame = ragged_table(ett, {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200)})
    gap = frame.index[(frame["unique_id"] == "OT") & frame["ds"].isin(ett["date"].iloc[1000:1010])]
    frame = frame.drop(index=gap)  # a missing time inside OT's span: a gap the fill invents
    module = ForecastDataModule.from_frame(frame, fill="ffill", lookback=LOOKBACK, horizon=HORIZON,
                                           eval_batch_size=7)  # fmt: skip
    module.setup("fit")
    assert module.ragged
    task = task_for(module, QUANTILES)
    scores = trainer().test(task, datamodule=module, verbose=False)[0]
    windows = module.windows("test")
    filled = filled_targets(module.frame, module.spec)
    raw = module.frame[module.spec.targets].to_numpy(dtype="float64")
    n = len(module.spec.targets)
    mean, scale = task.scaler_mean[:n].numpy(), task.scaler_scale[:n].numpy()
    errors = []
    with torch.no_grad():
        for i in range(len(windows)):
            x, y = windows[i]
            valid = windows.valid[i].numpy()
            point = task(task.scale_inputs(x[None])).prediction[0, ..., task.point].double().numpy()
            first = int(windows.starts[i]) + LOOKBACK
            seen = ~filled[first : first + HORIZON] & valid[None, :]
            errors.append((point - (raw[first : first + HORIZON] - mean) / scale)[seen])
    errors = np.concatenate(errors)
    assert scores["test_mse"] == pytest.approx(np.mean(errors**2), rel=1e-5)
    assert scores["test_mae"] == pytest.approx(np.mean(np.abs(errors)), rel=1e-5)
    # the windows' targets: NaN outside the spans and where the fill invented the value
    i = int(np.flatnonzero(np.asarray(windows.starts) + LOOKBACK == 995)[0])
    seen = ~filled[995 : 995 + HORIZON] & windows.valid[i].numpy()[None, :]
    assert not seen.all() and seen[:, module.spec.targets.index("OT")].any()
    np.testing.assert_array_equal(~windows[i][1].isnan().numpy(), seen)


def test_the_ridge_initialisation_leaves_pairs_with_filled_targets_out(ett, tmp_path):
    """``linear_init="ridge"``: the closed-form map is fitted on the (window, series) pairs whose
    forecast rows the data holds, and alpha is chosen on such validation pairs: scikit-learn's ridge
    on those pairs gathered by hand."""
    from sklearn.linear_model import Ridge

    from ssm_ts.models.linear import RIDGE_ALPHAS

    torch.set_num_threads(1)
    table = gapped(ett)
    fc = Forecaster(model="s4d", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, batch_size=64, patience=None,
                    model_options={"d_model": 8, "d_state": 8, "n_layers": 1, "linear_init": "ridge"},
                    log_to_mlflow=False, out_dir=str(tmp_path),
                    trainer_options={"limit_train_batches": 2, "enable_progress_bar": False,
                                     "enable_model_summary": False})  # fmt: skip
    fc.fit(table, time_col="date", fill="ffill")
    weight = fc.task_.net.linear.time.weight.detach().double().T.numpy()
    filled = filled_targets(fc.history_, fc.spec_)
    rows = {"train": ([], []), "val": ([], [])}
    length = LOOKBACK + HORIZON
    for j, name in enumerate(TARGETS):
        values = fc.history_[name].to_numpy(dtype="float64")  # ffill: the inputs hold the fill
        scaled = (values - values[:840].mean()) / values[:840].std()  # the training rows' scaler
        for split, (low, high) in {"train": (0, 840), "val": (840, 960)}.items():
            for s in range(max(0, low - LOOKBACK), high - length + 1):
                if filled[s + LOOKBACK : s + length, j].any():
                    continue
                window = scaled[s : s + length] - scaled[s + LOOKBACK - 1]  # instance norm "last"
                rows[split][0].append(window[:LOOKBACK])
                rows[split][1].append(window[LOOKBACK:])
    X, Y = (np.stack(part) for part in rows["train"])
    Xv, Yv = (np.stack(part) for part in rows["val"])
    assert len(X) < 3 * 781 and len(Xv) < 3 * 109  # some pairs were left out
    fits = {a: Ridge(alpha=a, fit_intercept=False, solver="cholesky").fit(X, Y) for a in RIDGE_ALPHAS}
    scores = {a: float(((fit.predict(Xv) - Yv) ** 2).mean()) for a, fit in fits.items()}
    np.testing.assert_allclose(weight, fits[min(scores, key=scores.get)].coef_.T, rtol=1e-5, atol=1e-7)
