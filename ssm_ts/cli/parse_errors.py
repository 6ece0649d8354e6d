"""What a command-line parse error says, in a few lines instead of jsonargparse's whole usage
(:func:`~ssm_ts.short_parse_errors.short_parse_error`, which ``ssm-ts forecast tune`` shares), with what only
the CLI knows: its short usage line, a use's commands, the other uses an unknown option is of."""

from __future__ import annotations

import difflib
import re
from typing import Any

from ssm_ts.short_parse_errors import colon_space_hint, short_parse_error, type_text
from ssm_ts.tasks.checkpoint_use import SHARED_COMMANDS

__all__ = ["SHORT_USAGE", "colon_space_hint", "parse_error_text", "type_text"]

# a subcommand's usage line: jsonargparse's own lists all 80 options, the --trainer ones first
SHORT_USAGE = (
    "%(prog)s [--config FILE] [--model.KEY VALUE] [--data.KEY VALUE]\n"
    "         [--trainer.KEY VALUE] [--out DIR] [--ckpt_path PATH] [--print_config] [--help]"
)


def parse_error_text(parser: Any, message: str) -> str:
    """What a parse error says, in a few lines: jsonargparse's message, rewritten where it is a known one
    (a wrong type names the option, what it takes and the value given; an unknown option the closest
    known ones and the model and data keys), then a short usage line and where the full list is."""
    prog = parser.prog.replace(" [options]", "")
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    commands = _use_commands(prog)
    if commands and (choice or '"subcommand"' in message):  # ssm-ts forecast tunee, or no command at all
        return _command_error_text(prog, commands, choice.group(1) if choice else None)
    usage = f"usage: {SHORT_USAGE % {'prog': prog}}" if "[options]" in parser.prog else parser.format_usage()
    return short_parse_error(parser, message, usage, other_uses=lambda key: _other_use_lines(key, prog))


def _use_commands(prog: str) -> list[str]:
    """The commands of the use whose parser is ``prog`` (``ssm-ts forecast``: fit, validate, test, predict,
    tune); none for a command's parser (``ssm-ts forecast fit``)."""
    from ssm_ts.cli.uses import USES

    words = prog.split()
    if len(words) != 2 or words[1] not in USES:
        return []
    return [*SHARED_COMMANDS, *USES[words[1]].extra_commands]


def _command_error_text(prog: str, commands: list[str], given: str | None) -> str:
    """A use given no command, or an unknown one (``given``): every command of the use, ``tune`` and
    ``generate`` too (jsonargparse's message named only Lightning's four, so ``tunee`` had no did-you-mean),
    and where the options are listed (``ssm-ts forecast --help`` lists the commands only)."""
    # ssm-ts forecast --config run.yaml tune said 'unknown command 'tune'; choose one of ..., tune'
    if given in commands:
        return (
            f"{prog}: error: {given} comes first, its options after it: {prog} {given} --config FILE ... "
            f"(options before the command are for {', '.join(SHARED_COMMANDS)})\n"
            f"{prog} {given} --help lists every option\n"
        )
    what = f"unknown command {given!r}" if given else "no command given"
    lines = [f"{prog}: error: {what}; choose one of {', '.join(commands)}"]
    close = difflib.get_close_matches(given, commands, n=1) if given else []
    if close:
        lines.append(f"  did you mean {close[0]}?")
    lines += [
        "",
        f"usage: {prog} {{{','.join(commands)}}} [options]",
        f"{prog} COMMAND --help lists every option",
    ]
    return "\n".join(lines) + "\n"


def _other_use_lines(key: str, prog: str) -> list[str]:
    """A line naming the other uses an unknown option ``key`` is of (``--model.lookback`` given to
    ``ssm-ts classify fit`` is forecast's), for the parser ``prog`` (``ssm-ts USE COMMAND``); none if none."""
    from ssm_ts.cli.config_use import option_uses

    words = prog.split()
    others = option_uses(key, words[1]) if len(words) > 2 else []
    if not others:
        return []
    return [f"  --{key} is an option of " + " and ".join(f"ssm-ts {u} {words[2]}" for u in others)]
