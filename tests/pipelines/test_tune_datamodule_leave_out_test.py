"""``ForecastDataModule.leave_out_test()`` on ETTh1: the split a hyperparameter search's trials train on,
with no test rows and the training and validation rows unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import ForecastDataModule


def test_leave_out_test_keeps_training_and_validation_and_drops_the_test_rows(ett):
    settings = dict(time_col="date", target="OT", lookback=48, horizon=12)
    full = ForecastDataModule.from_frame(ett, **settings)
    full.setup("fit")
    module = ForecastDataModule.from_frame(ett, **settings)
    module.setup("fit")  # bounds computed with the test rows, as Forecaster.fit does before training
    assert module.leave_out_test() is module

    assert module.bounds.test_end == module.bounds.val_end == full.bounds.val_end < full.bounds.test_end
    assert module.bounds.train_end == full.bounds.train_end
    for split in ("train", "val"):
        np.testing.assert_array_equal(module.windows(split).starts, full.windows(split).starts)
    assert len(module.windows("test").starts) == 0
    with pytest.raises(ConfigError, match="the split has no test rows"):
        module.test_dataloader()
    # a checkpoint's spec loaded into the module (its bounds computed again) still has no test rows
    module.load_state_dict(full.state_dict())
    assert module.bounds.test_end == module.bounds.val_end
