"""A ragged panel's batches: a channel-independent model computes only the valid (window, series) rows.

Every batch of a ragged panel carries all series, zero-filled where a window lies outside a
series' span; the loss masks those pairs. The data module now hands the task the rows of the valid
pairs (found on the CPU), and the model runs on those alone: the loss and its gradients are those
of the full batch with the mask (real ETTh1 columns), and the rows the network sees shrink to the
valid pairs, in a unit step and through a whole Lightning fit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_base import ForecastModel
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.models.spacetime import SpaceTime
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from tests.api.test_forecaster_ragged import HORIZON, LOOKBACK, ragged_table
from tests.api.test_forecaster_ragged import SPANS as RAGGED_SPANS

# the panel of tests/api/test_forecaster_ragged.py with MUFL ending inside the validation split (row 930)
SPANS = {**RAGGED_SPANS, "MUFL": (0, 930)}


def count_rows(monkeypatch, cls: type[ForecastModel]) -> list[tuple[bool, int]]:
    """Record ``(training, rows)`` for every call of the network of ``cls`` models (their ``forecast``)."""
    seen: list[tuple[bool, int]] = []
    original = cls.forecast

    def spy(self, z, targets, valid=None):
        seen.append((self.training, z.shape[0]))
        return original(self, z, targets) if valid is None else original(self, z, targets, valid=valid)

    monkeypatch.setattr(cls, "forecast", spy)
    return seen


@pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")  # steps called without a trainer
@pytest.mark.parametrize(
    ("model", "options", "quantiles"),
    [
        ("spacetime", {"instance_norm": "mean_std"}, [0.1, 0.9]),  # aux terms, zero-filled std 0 series
        ("s4d", {}, None),
    ],
)
def test_loss_and_gradients_equal_the_masked_full_batch_and_fewer_rows_are_computed(
    ett, monkeypatch, model, options, quantiles
):
    torch.set_num_threads(1)
    module = ForecastDataModule.from_frame(
        ragged_table(ett, SPANS), lookback=LOOKBACK, horizon=HORIZON, batch_size=128
    )
    module.setup("fit")
    torch.manual_seed(0)
    task = ForecastingTask(model=model, lookback=LOOKBACK, horizon=HORIZON, n_channels=4, n_outputs=4,
                           quantiles=quantiles, model_options={"d_model": 8, "d_state": 8, "n_layers": 1,
                                                               "dropout": 0.0, **options})  # fmt: skip
    task.set_scaler(module.scaler)
    task.ragged = True
    task.double()  # float64: the two paths may differ only by summation order
    params = [p for p in task.parameters() if p.requires_grad]
    seen = count_rows(monkeypatch, type(task.net))
    checked = 0
    for batch in module.train_dataloader():
        x, y = batch
        valid = ~y.isnan().any(dim=1)
        if valid.all():
            continue
        # the current implementation: every (window, series) row computed, the loss masked
        out = task(task.scale_inputs(x), valid=valid)
        expected = task._loss(out.prediction, task.scale_targets(y))
        if out.aux_loss is not None:
            expected = expected + out.aux_loss
        expected_grads = torch.autograd.grad(expected, params, allow_unused=True)
        # the training step on the batch the data module hands over (with the rows of the valid pairs)
        handed = module.on_before_batch_transfer(batch, 0)
        assert len(handed) == 3 and handed[2].tolist() == valid.reshape(-1).nonzero().squeeze(1).tolist()
        loss = task.training_step(handed, 0)
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        torch.testing.assert_close(loss, expected, rtol=1e-10, atol=1e-12)
        for grad, reference in zip(grads, expected_grads, strict=True):
            assert (grad is None) == (reference is None)
            if grad is not None:
                assert torch.isfinite(grad).all()
                torch.testing.assert_close(grad, reference, rtol=1e-8, atol=1e-12)
        # the network saw every row first, the valid ones only then
        assert seen[-2:] == [(True, y.shape[0] * 4), (True, int(valid.sum()))]
        # a direct call without the rows computes them itself: the same loss
        torch.testing.assert_close(task.training_step(batch, 0), expected, rtol=1e-10, atol=1e-12)
        assert seen[-1] == (True, int(valid.sum()))
        checked += 1
        if checked == 2:
            break
    assert checked == 2
    # evaluation: the forecasts of the valid pairs are those of the full batch; the others are NaN
    task.eval()
    x, y, rows = module.on_before_batch_transfer(next(iter(module.val_dataloader())), 0)
    valid = ~y.isnan().any(dim=1)
    assert not valid.all()  # MUFL ends inside the validation split
    with torch.no_grad():
        full = task(task.scale_inputs(x)).prediction
        kept = task(task.scale_inputs(x), rows=rows).prediction
    pairs = valid[:, None, :].expand(-1, HORIZON, -1)
    torch.testing.assert_close(kept[pairs], full[pairs], rtol=1e-10, atol=1e-12)
    assert kept[~pairs].isnan().all()


def test_a_ragged_fit_computes_the_valid_pairs_only(ett, tmp_path, monkeypatch):
    """Through Lightning: each training epoch runs the network on exactly the valid (window,
    series) pairs of the training split, once each, and the fit ends with finite metrics."""
    spans = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200)}
    table = ragged_table(ett, spans)
    module = ForecastDataModule.from_frame(table, lookback=LOOKBACK, horizon=HORIZON)
    module.setup("fit")
    seen = count_rows(monkeypatch, SpaceTime)
    torch.set_num_threads(1)
    forecaster = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, batch_size=71,
                            model_options={"d_model": 8, "d_state": 8, "n_layers": 1}, log_to_mlflow=False,
                            out_dir=str(tmp_path), patience=None,
                            trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    forecaster.fit(table)
    trained = [n for training, n in seen if training]
    # 781 training windows in 11 batches of 71; HUFL 681, LUFL 481, OT 781 valid: 1943 of 2343 rows
    assert len(trained) == 11 and sum(trained) == module.windows("train").n_series_windows == 681 + 481 + 781
    for key in ("val_loss", "val_mse", "test_loss", "test_mse", "test_mae_orig"):
        assert np.isfinite(forecaster.metrics_[key]), key


def test_rows_are_refused_by_a_multivariate_model():
    model = build_forecasting_model("nlinear", lookback=8, horizon=2, n_channels=2, n_outputs=2,
                                    channel_independent=False)  # fmt: skip
    with pytest.raises(ConfigError, match=r"channel-independent model; a multivariate one .* rows=None"):
        model(torch.zeros(3, 8, 2), rows=torch.tensor([0, 3]))
