"""A Forecaster fit whose Lightning Trainer cannot be built (a bad trainer option, precision or
accelerator): one ConfigError naming the setting, and its MLflow run is FAILED, never left RUNNING."""

from __future__ import annotations

import mlflow
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError

SMALL = dict(model="nlinear", lookback=48, horizon=12, max_epochs=1)
BAD = [
    ({"trainer_options": {"gradient_clip_algorithm": "bogus"}}, "gradient_clip_algorithm"),
    ({"trainer_options": {"precision": "bogus"}}, "bogus"),
    ({"trainer_options": {"no_such_option": 1}}, "no_such_option"),
]
if not torch.cuda.is_available():  # a machine with a GPU builds this trainer
    BAD.append(({"accelerator": "cuda"}, "accelerator='cuda'"))


@pytest.mark.parametrize(("settings", "named"), BAD)
def test_a_trainer_that_cannot_be_built_fails_its_run(ett, tmp_path, single_thread, settings, named):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    forecaster = Forecaster(**SMALL, tracking_uri=uri, out_dir=str(tmp_path / "out"), **settings)
    with pytest.raises(ConfigError, match="lightning.Trainer") as caught:
        forecaster.fit(ett, target="OT", time_col="date")
    assert named in str(caught.value)
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert [r.info.status for r in runs] == ["FAILED"]
