"""``ssm-ts USE`` given no command or an unknown one lists every command of the use, ``tune`` and
``generate`` too, with a did-you-mean: jsonargparse's message named only Lightning's four (``ssm-ts
forecast tunee`` had no hint) and ended "ssm-ts forecast --help lists every option", which lists commands."""

from __future__ import annotations

import pytest

from tests.cli.test_fcli_parse_errors import parse_error


@pytest.mark.parametrize(
    ("args", "first", "hint"),
    [
        (
            ["forecast", "tunee"],
            "unknown command 'tunee'; choose one of fit, validate, test, predict, tune",
            "tune",
        ),
        (
            ["audio", "generat"],
            "unknown command 'generat'; choose one of fit, validate, test, predict, generate",
            "generate",
        ),  # fmt: skip
        (["classify", "fitt"], "unknown command 'fitt'; choose one of fit, validate, test, predict", "fit"),
        (["forecast"], "no command given; choose one of fit, validate, test, predict, tune", None),
    ],
)
def test_a_use_without_a_known_command_lists_all_its_commands(args, first, hint, capsys):
    lines = parse_error(args, capsys)
    assert lines[0] == f"ssm-ts {args[0]}: error: {first}"
    assert (f"  did you mean {hint}?" in lines) == (hint is not None)
    assert lines[-1] == f"ssm-ts {args[0]} COMMAND --help lists every option"
