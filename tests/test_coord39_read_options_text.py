"""``--data.read_options`` kept a text value as text: typed ``dict[str, Any]``, jsonargparse read each
text value again as YAML, so ``{comment: "#"}`` gave ``comment=None`` (comments silently read as data,
though an error's fix line tells to pass it so) and ``{true_values: "yes"}`` gave ``True``."""

from __future__ import annotations

import pytest

from ssm_ts import cli
from ssm_ts.api import tune_cli
from ssm_ts.cli.lightning_cli import SSMTSCLI

GIVEN = '{comment: "#", true_values: ["yes"], thousands: "1", sep: ";"}'
READ = {"comment": "#", "true_values": ["yes"], "thousands": "1", "sep": ";"}


class ParsedError(Exception):
    """Raised once the command line is parsed, before anything reads the checkpoint or data."""


def test_fit_keeps_text_values_of_read_options(monkeypatch):
    seen = []

    def parsed(self) -> None:
        data = self.config[self.config["subcommand"]]["data"]
        seen.append(data.get("init_args", data)["read_options"])
        raise ParsedError

    monkeypatch.setattr(SSMTSCLI, "_parse_ckpt_path", parsed)
    with pytest.raises(ParsedError):
        cli.main(["forecast", "fit", "--config", "forecast_co2_quick", "--data.read_options", GIVEN])
    assert seen == [READ]


def test_tune_keeps_text_values_of_read_options():
    parsed = tune_cli.build_parser().parse_args(["--data.read_options", GIVEN])
    assert parsed["data.read_options"] == READ
