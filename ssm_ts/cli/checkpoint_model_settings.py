"""The model options given beside validate/test/predict's ``--ckpt_path``.

Those commands rebuild the model from the checkpoint's saved hyperparameters (LightningCLI parses them
over the config), as Lightning and neuralforecast load a trained model: a model option given on the
command line or in a ``--config`` with another value than the checkpoint's is ignored, and
:func:`warn_ignored_model_settings` says so in one warning line naming each one.

Which are honoured instead: only :data:`INFERENCE_SETTINGS`, settings read at inference that leave the
trained weights as they are. The tasks' other hyperparameters either set the network's shape (forecast's
model, lookback, horizon, quantiles, model_options; audio's preset, d_model, ...; classify's model,
model_options), which the weights only load into, or how it trained (lr, weight_decay, lr_schedule,
loss, label_smoothing, class_weight, audio's listening samples): validate/test report the losses as the
fit computed them, so their numbers compare with the fit's.

Audio's format settings (sample_rate, quantization, bits) are no model options on the command line: they
follow the data options of the same name, which the data reads with. Another value there than the
checkpoint's is refused (:func:`check_linked_model_settings`): the model would be built in that format.
A resumed fit (``fit --ckpt_path``) refuses every changed model option (:mod:`ssm_ts.cli.resume_fit`).
"""

from __future__ import annotations

from typing import Any

from ssm_ts.cli.checkpoint_defaults import comparable, has_option, saved_form, settable
from ssm_ts.cli.model_option_defaults import model_option_defaults
from ssm_ts.errors import ConfigError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

# Model settings that apply at inference (classify's model.rate: training sample rate / the recordings'
# rate): on validate/test/predict with --ckpt_path, a value given (--config or command line) wins over
# the checkpoint's, which Lightning would otherwise restore over it silently.
INFERENCE_SETTINGS = frozenset({"model.rate"})
# the dict of a model's own options, each with a default of the model's (model_option_defaults)
MODEL_OPTIONS = "model.model_options"


class _NotSet:
    """A key of a dict setting (``model_options``) that the checkpoint's dict lacks."""

    def __repr__(self) -> str:
        return "not set"


NOT_SET = _NotSet()


def _saved_model_settings(checkpoint: dict[str, Any]) -> dict[str, Any]:
    """``checkpoint``'s model hyperparameters as ``{"model.horizon": 12, ...}``, without Lightning's own
    entries (``_instantiator``)."""
    saved = checkpoint.get("hyper_parameters") or {}
    return {f"model.{name}": value for name, value in saved.items() if not name.startswith("_")}


def saved_model_settings(checkpoint: dict[str, Any], parser: Any) -> dict[str, Any]:
    """The model settings ``checkpoint`` was trained with, as ``{"model.horizon": 12, ...}``, that
    ``parser`` (the command's) takes as defaults: not a setting another one sets through a link
    (:func:`check_linked_model_settings`)."""
    return {key: value for key, value in _saved_model_settings(checkpoint).items() if settable(parser, key)}


def check_linked_model_settings(checkpoint: dict[str, Any], config: Any, parser: Any, ckpt_path: str) -> None:
    """A :class:`ConfigError` when a model setting that ``parser`` sets through a link from the data
    option of the same name (audio's model.bits follows data.bits) holds another value in ``config``
    (the command's, parsed) than in ``checkpoint``: that data option was given with another value,
    which the data follows and the model would be built with, so the checkpoint's weights would not
    load (another number of bits: another output layer) or would read data in another format. The
    data option is named, as given and as the fit had it."""
    changed = {
        key: (config.get(key), value)
        for key, value in _saved_model_settings(checkpoint).items()
        if not settable(parser, key)
        and key in config  # a link's target, not a setting of another version of the task
        and saved_form(key, config.get(key)) != comparable(value)
    }
    if not changed:
        return
    options = {key: key.replace("model.", "data.", 1) for key in changed}
    options = {key: option if has_option(parser, option) else key for key, option in options.items()}
    listed = "; ".join(
        f"--{options[key]} {given!r} (the checkpoint's: {saved!r})" for key, (given, saved) in changed.items()
    )
    raise ConfigError(
        f"{listed}: --ckpt_path {ckpt_path} rebuilds the model it was trained as, whose settings of "
        "the same name follow these, and its weights only take data in the format they were trained on. "
        f"Drop {', '.join(f'--{option}' for option in options.values())} (the fit's data settings are "
        "restored from the checkpoint), or fit a new model with them."
    )


def ignored_model_settings(saved: dict[str, Any], config: Any) -> dict[str, tuple[Any, Any]]:
    """The model settings that ``config`` (the command's, parsed with the checkpoint's ``saved``
    settings as its defaults) holds with another value than ``saved``: given in a --config file or on
    the command line, ignored (except the honoured INFERENCE_SETTINGS), as ``{key: (given,
    checkpoint's)}``. A dict setting is compared key by key (``model.model_options.d_model``). A model
    option the checkpoint's ``model_options`` lacks (``None``: all of them) trained with the model's
    default (:func:`model_option_defaults`): a config that gives that default changes nothing."""
    ignored = {}
    for key, value in saved.items():
        if key in INFERENCE_SETTINGS:
            continue
        saved_value, given = comparable(value), comparable(config.get(key))
        if key == MODEL_OPTIONS and isinstance(given, dict) and saved_value is None:
            saved_value = {}
        if isinstance(given, dict) and isinstance(saved_value, dict):
            trained = _with_option_defaults(key, saved_value, saved.get("model.model"))
            for name, part in given.items():
                if part != trained.get(name, NOT_SET):
                    ignored[f"{key}.{name}"] = (part, trained.get(name, NOT_SET))
        elif saved_form(key, given) != saved_value:
            ignored[key] = (given, saved_value)
    return ignored


def _with_option_defaults(key: str, saved_value: dict[str, Any], model: Any) -> dict[str, Any]:
    """A checkpoint's ``model_options`` (``key``) with the defaults of ``model``'s options it lacks: what
    the model was built with. Another dict setting as it is."""
    if key != MODEL_OPTIONS:
        return saved_value
    return {**comparable(model_option_defaults(model)), **saved_value}


def warn_ignored_model_settings(ignored: dict[str, tuple[Any, Any]], ckpt_path: str) -> None:
    """One warning line naming each ``ignored`` setting (``{key: (given, checkpoint's)}``) of a
    validate/test/predict of ``ckpt_path``, with its value and the checkpoint's; none when empty."""
    if not ignored:
        return
    listed = "; ".join(
        f"--{key} {given!r} (the checkpoint's: {saved!r})" for key, (given, saved) in ignored.items()
    )
    warn_on_rank_zero(
        f"model options ignored, the checkpoint's used: {listed}. --ckpt_path {ckpt_path} rebuilds the model "
        "it was trained as: its weights were trained in the checkpoint's shape and settings. Drop these "
        "options (given on the command line or by a --config), or fit a new model with them.",
        UserWarning,
        stacklevel=2,  # the CLI line that restored the checkpoint: ssm-ts source, one line
    )
