"""``SSMClassifier(method="random_features")`` and the sensor readers do not import Lightning: the
data module that needs it loads at first use. Importing it took seconds of every process that only
fitted random features (each worker of ``cross_val_score(..., n_jobs=k)`` too)."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = """
import sys
import numpy as np
from ssm_ts import SSMClassifier
from ssm_ts.pipelines.sensor import read_series, sliding_windows

X = np.random.default_rng(0).normal(size=(6, 2, 30)).astype(np.float32)
clf = SSMClassifier(method="random_features", n_kernels=10).fit(X, np.arange(6) % 2)
clf.predict_log_proba(X)
assert "lightning" not in sys.modules, "random features imported Lightning"
"""


def test_random_features_fit_without_importing_lightning():
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_data_module_is_still_importable_from_the_package():
    from ssm_ts.pipelines import sensor
    from ssm_ts.pipelines.sensor import SensorDataModule, stratified_split
    from ssm_ts.pipelines.sensor.datamodule import SensorDataModule as DefinedModule

    assert SensorDataModule is DefinedModule and callable(stratified_split)
    assert "SensorDataModule" in sensor.__all__
