"""ssm-ts's own warnings that a fit, validate, test or predict can give in every process of a DDP run
(the command line's and the Python front ends', the conformal intervals' and evaluate's) show on global
rank 0 only (:func:`ssm_ts.rank_zero_warnings.warn_on_rank_zero`): each was printed once per process.
Checked in one process with the rank Lightning knows set to 1, as tests/test_rank_zero_warnings.py does."""

from __future__ import annotations

import warnings

import pytest
from lightning.fabric.utilities.rank_zero import rank_zero_only

from ssm_ts.api.trainer_objects import CLASS_PATH, NOT_SAVED, _fresh
from ssm_ts.cli.checkpoint_model_settings import warn_ignored_model_settings
from ssm_ts.cli.command_help import check_command_options

WARNINGS = {
    "ignored model option": lambda: warn_ignored_model_settings({"model.lr": (0.5, 0.001)}, "best.ckpt"),
    "register_as outside fit": lambda: check_command_options("forecast", "test", {"register_as": "co2"}),
    "trainer object not saved": lambda: _fresh(
        {CLASS_PATH: "x.Callback", NOT_SAVED: "not picklable"}, "callbacks", "Forecaster"
    ),
}


@pytest.mark.parametrize("give", WARNINGS.values(), ids=WARNINGS.keys())
def test_an_own_warning_shows_on_rank_zero_only(give, monkeypatch):
    with pytest.warns(UserWarning) as shown:  # rank 0: shown, at an ssm-ts source line as before
        give()
    assert shown[0].filename.endswith(".py") and "rank_zero_warnings" not in shown[0].filename
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        give()
    assert shown == []
