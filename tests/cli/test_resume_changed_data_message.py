"""``ssm-ts USE fit --ckpt_path last`` on data changed since the fit read it, the data option given as
the fit had it (or not at all): the refusal says which data changed and how to go on (restore it, or a
new ``--out`` for a new fit), not "drop these options", which the user did not give."""

from __future__ import annotations

import pytest

from ssm_ts.cli.resume_fit import check_resume_changes
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.resume_settings import FINGERPRINT_KEY, data_fingerprint


class _Parser:
    """What the check asks of fit's parser: every option exists."""

    def get_default(self, key: str) -> None:
        return None


def _refusal(tmp_path, changed: dict) -> str:
    data = tmp_path / "series.csv"
    data.write_text("date,OT\n2020-01-01,1.0\n2020-01-02,2.0\n")
    resolved = data.resolve()
    checkpoint = {
        FINGERPRINT_KEY: {"data.path": {"path": str(resolved), "sha256": data_fingerprint(resolved)}}
    }
    data.write_text("date,OT\n2020-01-01,1.0\n2020-01-02,9.0\n")  # edited after the fit
    config = {"data.path": str(data)}
    with pytest.raises(ConfigError) as err:
        check_resume_changes(changed, config, checkpoint, config, "forecast", "last.ckpt", _Parser())
    return str(err.value)


def test_changed_data_given_as_the_fit_had_it_says_what_changed_and_how_to_go_on(tmp_path):
    message = _refusal(tmp_path, {})
    assert "the data it was trained on changed since: --data.path" in message
    assert "series.csv was changed since the fit read it" in message
    assert "restore that data" in message and "a new --out" in message
    assert "drop these options" not in message and "these settings differ" not in message


def test_changed_data_beside_a_changed_setting_names_both(tmp_path):
    message = _refusal(tmp_path, {"model.lr": (0.001, 0.01)})
    assert "--model.lr: 0.001 in the checkpoint, 0.01 now" in message and "drop these options" in message
    assert "The data also changed since the fit read it: --data.path" in message
