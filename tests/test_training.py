"""The shared trainer: a NaN loss stops with a clear error and keeps the last good checkpoint; the
EMA of the weights works for modules that build their network in ``setup``."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from ssm_ts.errors import ConfigError, TrainingError
from ssm_ts.training import EMAWeights, build_trainer


class GoesNaNAtEpoch(pl.LightningModule):
    def __init__(self, bad_epoch: int):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.bad_epoch = bad_epoch

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.linear(x), y)
        if self.current_epoch == self.bad_epoch:
            loss = loss * float("nan")
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def test_nan_loss_raises_training_error_and_keeps_last_good_checkpoint(tmp_path):
    data = DataLoader(TensorDataset(torch.randn(32, 2), torch.randn(32, 1)), batch_size=8)
    trainer = build_trainer(max_epochs=5, out_dir=tmp_path)
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        trainer.fit(GoesNaNAtEpoch(bad_epoch=2), data, data)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in last["state_dict"].values())


class BuildsLinearInSetup(GoesNaNAtEpoch):
    """Builds its layer in ``setup``, from the data, as every CLI ``ForecastingTask`` does."""

    def __init__(self):
        super().__init__(bad_epoch=-1)
        self.linear = None

    def setup(self, stage: str) -> None:
        if self.linear is None:
            self.linear = torch.nn.Linear(2, 1)


def test_ema_weights_average_a_network_built_in_setup_and_checkpoint_both(tmp_path):
    """Lightning's own EMAWeightAveraging copies the module before ``setup`` and would checkpoint no weights."""
    data = DataLoader(TensorDataset(torch.randn(32, 2), torch.randn(32, 1)), batch_size=8)
    module = BuildsLinearInSetup()
    build_trainer(max_epochs=2, out_dir=tmp_path, callbacks=[EMAWeights(decay=0.5)]).fit(module, data, data)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["state_dict"].keys() == last["current_model_state"].keys() == {"linear.weight", "linear.bias"}
    assert last["averaging_state"]["n_averaged"] == 8  # every optimizer step
    for name, averaged in last["state_dict"].items():  # the fitted module ends with the average
        assert torch.equal(module.state_dict()[name], averaged)
        assert not torch.equal(last["current_model_state"][name], averaged)


@pytest.mark.parametrize("decay", [0.0, 1.0, None])
def test_ema_weights_refuse_a_decay_outside_0_1(decay):
    with pytest.raises(ConfigError, match="decay must be a number strictly between 0 and 1"):
        EMAWeights(decay=decay)


def test_trainer_options_win_over_defaults_and_add_callbacks(tmp_path):
    class Marker(pl.Callback):
        pass

    trainer = build_trainer(
        max_epochs=1, out_dir=tmp_path, progress=True, enable_progress_bar=False,
        enable_model_summary=True, callbacks=[Marker()],
    )  # fmt: skip
    assert trainer.progress_bar_callback is None
    assert trainer.checkpoint_callback.monitor == "val_loss"
    assert any(isinstance(c, Marker) for c in trainer.callbacks)
    assert not any(type(c).__name__ == "RichProgressBar" for c in trainer.callbacks)


@pytest.mark.parametrize(
    "options", [{}, {"progress": True}, {"progress": False}, {"enable_progress_bar": True}]
)
def test_a_progress_bar_among_the_callbacks_is_the_trainers_only_bar(tmp_path, options):
    # off a terminal ssm-ts disabled bars (Lightning refused the user's), on one it added a second
    from lightning.pytorch.callbacks import TQDMProgressBar

    bar = TQDMProgressBar(refresh_rate=5)
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, callbacks=[bar], **options)
    assert trainer.progress_bar_callback is bar
    assert [c for c in trainer.callbacks if isinstance(c, pl.callbacks.ProgressBar)] == [bar]


def test_a_trainer_option_that_ssm_ts_sets_is_refused_with_the_setting_to_use(tmp_path):
    with pytest.raises(ConfigError, match="'default_root_dir' is set by ssm-ts.*out_dir"):
        build_trainer(max_epochs=1, out_dir=tmp_path, default_root_dir="elsewhere")
