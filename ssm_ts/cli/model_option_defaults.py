"""The default of each ``model_options`` key of a model, by the model's name: what a checkpoint whose
``model_options`` lacks a key trained with (the option was left out, or is newer than the checkpoint)."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from ssm_ts.errors import SSMTSError

# a classifier's settings that the task fills in, not model options
_FILLED_BY_THE_TASK = frozenset({"self", "n_channels", "n_classes"})


def _defaults_of(target: Any) -> dict[str, Any]:
    """The defaults of a dataclass's fields or of a class's ``__init__`` parameters (those with one)."""
    if dataclasses.is_dataclass(target):
        found = {}
        for field in dataclasses.fields(target):
            if field.default is not dataclasses.MISSING:
                found[field.name] = field.default
            elif field.default_factory is not dataclasses.MISSING:
                found[field.name] = field.default_factory()
        return found
    return {
        name: param.default
        for name, param in inspect.signature(target).parameters.items()
        if name not in _FILLED_BY_THE_TASK
        and param.default is not inspect.Parameter.empty
        and param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL)
    }


def model_option_defaults(model: Any) -> dict[str, Any]:
    """``{option: default}`` of the ``model_options`` of the model named ``model`` (a forecasting
    model's options dataclass, a classifier encoder's or the random-feature classifier's settings);
    ``{}`` for a name none of them knows (audio, whose options are settings of their own)."""
    if not isinstance(model, str):
        return {}
    from ssm_ts.models.forecasting_registry import FORECASTING_MODELS, forecasting_options

    if model in FORECASTING_MODELS:
        try:
            return _defaults_of(forecasting_options(model))
        except SSMTSError:
            return {}
    from ssm_ts.models.s4nd import ENCODERS

    if model in ENCODERS:
        return _defaults_of(ENCODERS[model])
    from ssm_ts.tasks.classification import CLOSED_FORM_MODELS

    if model in CLOSED_FORM_MODELS:
        from ssm_ts.models.random_feature_classifier import DEFAULT_KERNELS
        from ssm_ts.models.random_ssm_features import RandomSSMFeatures

        return {**_defaults_of(RandomSSMFeatures), "n_kernels": DEFAULT_KERNELS}
    return {}
