"""ssm-ts: structured state space models (S4, S4D, SpaceTime, SaShiMi, S4ND) for time series and audio.

The friendly front: :class:`Forecaster` (CSV forecasting), :class:`WaveformGenerator` (audio),
:class:`SSMClassifier` (sensor classification), :func:`evaluate` (scores backtests) and
:func:`tune_forecaster` (a hyperparameter search for a Forecaster). They
are imported lazily so that ``import ssm_ts`` stays cheap (Lightning is only loaded when one is used).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"  # the one place it is set: pyproject.toml reads it ([tool.setuptools.dynamic])

_LAZY = {
    "Forecaster": "ssm_ts.api.forecaster",
    "WaveformGenerator": "ssm_ts.api.waveform",
    "SSMClassifier": "ssm_ts.api.classifier",
    "evaluate": "ssm_ts.evaluation",
    "tune_forecaster": "ssm_ts.api.tuning",
}

__all__ = ["Forecaster", "SSMClassifier", "WaveformGenerator", "__version__", "evaluate", "tune_forecaster"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ssm_ts' has no attribute {name!r}")
