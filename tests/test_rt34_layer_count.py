"""A state dict that differs from the model only in its layer count, loaded strictly with plain
``load_state_dict``, names the option (``n_layers``) with this model's value and the state dict's and the
fix, for every model with a layer list; before, only torch's list of missing and unexpected keys. A
non-strict load stays the user's partial load."""

from __future__ import annotations

import pickle

import pytest

from ssm_ts.core.saved_options import OptionMismatchError
from ssm_ts.models.s4d_forecaster import S4DForecaster, S4DForecasterOptions
from ssm_ts.models.s4nd import S4NDEncoder2d, SSMEncoder1d
from ssm_ts.models.sashimi import SaShiMi
from ssm_ts.models.spacetime import SpaceTime, SpaceTimeOptions
from ssm_ts.tasks.classification import ClassificationTask

LAYOUT = {"lookback": 8, "horizon": 2, "n_channels": 1, "n_outputs": 1}
TINY = {"d_model": 4, "d_state": 4}

MODELS = {
    "SpaceTime": lambda n: SpaceTime(options=SpaceTimeOptions(**TINY, n_layers=n), **LAYOUT),
    "S4DForecaster": lambda n: S4DForecaster(options=S4DForecasterOptions(**TINY, n_layers=n), **LAYOUT),
    "SSMEncoder1d": lambda n: SSMEncoder1d(n_channels=2, n_classes=2, **TINY, n_layers=n),
    "S4NDEncoder2d": lambda n: S4NDEncoder2d(n_channels=2, n_classes=2, **TINY, n_layers=n),
    "SaShiMi": lambda n: SaShiMi(n_classes=4, pool=[2], **TINY, n_layers=n),
}


@pytest.mark.parametrize("name", MODELS)
def test_a_state_dict_of_more_layers_names_n_layers(name):
    saved = MODELS[name](4).state_dict()
    model = pickle.loads(pickle.dumps(MODELS[name](2)))  # the check survives pickling
    with pytest.raises(OptionMismatchError, match=rf"{name}: .*\(n_layers: this model has 2, the state dict 4\)"
                       rf".*Build the {name} with n_layers=4"):  # fmt: skip
        model.load_state_dict(saved)  # was: Unexpected key(s) in state_dict: "blocks.2...", ...
    with pytest.raises(OptionMismatchError, match=r"n_layers: this model has 4, the state dict 2"):
        MODELS[name](4).load_state_dict(model.state_dict())  # fewer layers: was Missing key(s) ...
    incompatible = model.load_state_dict(saved, strict=False)  # a partial load: as torch, the first two
    assert incompatible.unexpected_keys and not incompatible.missing_keys
    MODELS[name](4).load_state_dict(saved)  # built as the message says: it loads


def test_sashimi_names_its_own_options_and_where_to_set_them():
    saved = SaShiMi(n_classes=4, d_model=4, d_state=4, n_layers=1, pool=[2, 2]).state_dict()
    with pytest.raises(OptionMismatchError, match=r"SaShiMi: .*pool: this model has \[4\], the state dict \[2, 2\]\)"
                       r".*pool=\[2, 2\] \(through a WaveformGenerator"):  # fmt: skip
        SaShiMi(n_classes=4, d_model=4, d_state=4, n_layers=1, pool=[4]).load_state_dict(saved)
    with pytest.raises(
        OptionMismatchError, match=r"SaShiMi: .*\(d_state: this model has 8, the state dict 4\)"
    ):
        SaShiMi(n_classes=4, d_model=4, d_state=8, n_layers=1, pool=[2, 2], ssm="diagonal").load_state_dict(
            saved
        )


def test_a_task_loading_a_classifier_of_more_layers_names_n_layers():
    def task(n: int) -> ClassificationTask:
        return ClassificationTask(n_channels=2, classes=["a", "b"], model_options={**TINY, "n_layers": n})

    with pytest.raises(
        OptionMismatchError, match=r"SSMEncoder1d: .*\(n_layers: this model has 1, the state dict 3\)"
    ):
        task(1).load_state_dict(task(3).state_dict())  # the encoder inside a task: the hook still runs
