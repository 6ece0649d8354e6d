"""validate/test/predict ``--ckpt_path`` with a ``--config`` whose ``model_options`` restate a default
the checkpoint's lack (an option newer than the checkpoint, or left out by the fit): the checkpoint
trained with that default, the same model. The warning named them anyway ("model options ignored,
the checkpoint's used: --model.model_options.shift_fraction 0.0 (the checkpoint's: not set)")."""

from __future__ import annotations

from ssm_ts.cli.checkpoint_model_settings import NOT_SET, ignored_model_settings
from ssm_ts.cli.model_option_defaults import model_option_defaults

RANDOM_FEATURES = {
    "model.model": "random_features",
    "model.model_options": {"n_kernels": 4000},
    "model.lr": 0.003,
}


def test_a_default_the_checkpoint_lacks_is_no_change_and_another_value_names_the_default():
    given = {"n_kernels": 4000, "seed": 0, "shift_fraction": 0.0}
    config = {**RANDOM_FEATURES, "model.model_options": given}
    assert ignored_model_settings(RANDOM_FEATURES, config) == {}
    config["model.model_options"] = {**given, "shift_fraction": 0.5, "n_kernels": 100}
    assert ignored_model_settings(RANDOM_FEATURES, config) == {
        "model.model_options.n_kernels": (100, 4000),
        "model.model_options.shift_fraction": (0.5, 0.0),  # the default it trained with, not "not set"
    }


def test_a_checkpoint_without_model_options_trained_with_every_default():
    saved = {"model.model": "spacetime", "model.model_options": None}
    config = {**saved, "model.model_options": {"d_model": 64, "differences": [1, 2]}}  # both defaults
    assert ignored_model_settings(saved, config) == {}
    config["model.model_options"] = {"d_model": 8, "unknown": 1}
    assert ignored_model_settings(saved, config) == {
        "model.model_options.d_model": (8, 64),
        "model.model_options.unknown": (1, NOT_SET),  # no default known: named, as before
    }


def test_each_model_s_option_defaults():
    assert model_option_defaults("random_features")["shift_fraction"] == 0.0
    assert (
        model_option_defaults("random_features")["n_kernels"] == 4000
    )  # the classifier's, not the features'
    assert model_option_defaults("nlinear") == {"instance_norm": "last"}
    assert model_option_defaults("s4d1d")["d_model"] == 64 and "n_channels" not in model_option_defaults(
        "s4d1d"
    )
    assert model_option_defaults("no such model") == {} and model_option_defaults(None) == {}
