"""Every code block of the README, docs/*.md and the notebooks' text cells is one a user can paste.

- each ```python block compiles (``ast.parse``): a block cut short or pasted with prose in it fails here;
- each ``ssm-ts`` command line of a ```bash block, and each whole one in a code span of the text
  (```ssm-ts forecast predict --ckpt_path best --out DIR```), parses its options with the command's own
  parser, in-process and without fitting: the LightningCLI of ``forecast|audio|classify
  fit|validate|test|predict`` (stopped once its arguments are parsed and its command's options checked,
  before a checkpoint is read), ``forecast tune`` and ``audio generate`` (stopped once parsed).

A misspelt option in the docs (``--data.lookbak``, ``--n_trial``) fails with the parser's own error.
Running the blocks takes minutes of training; each was run by hand as written (see the commit log).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from pathlib import Path

import pytest

from ssm_ts import cli

REPO = Path(__file__).resolve().parents[1]
PAGES = [
    REPO / "README.md",
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "notebooks").glob("*.ipynb")),
]
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`(ssm-ts [^`]+)`")
# words in a span that stand for a value the reader fills in, not one to parse as written
PLACEHOLDER = re.compile(r"\.\.\.|<[^>]*>|\bNAME\b|\bUSE COMMAND\b|\|")
# files the docs' commands name, which a reader has made before running them
FLAGS = {"--help", "-h", "--version", "-V", "--print_config", "--verbose"}
GIVEN_FILES = {"my_tune.yaml": "forecast_co2_tune"}


class ArgumentsParsedError(Exception):
    """Raised where a command has parsed its arguments: nothing after it (data, checkpoints, fits) runs."""


def page_text(page: Path) -> str:
    """A page's Markdown: a notebook's text cells (nbmake runs its code cells)."""
    if page.suffix != ".ipynb":
        return page.read_text(encoding="utf-8")
    cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")


def python_blocks(text: str) -> list[str]:
    return [code for lang, code in FENCED.findall(text) if lang == "python"]


def command_lines(text: str) -> list[str]:
    """The ``ssm-ts`` commands of a Markdown text: each of a shell block (continued lines joined, ``&&``
    chains split, ``# comments`` dropped) and each code span holding one with its options (a span ending
    in an option, ``--data.static_path``, names the option, not a command)."""
    commands = []
    for lang, code in FENCED.findall(text):
        if lang not in ("bash", "sh", "shell", "console"):
            continue
        for line in code.replace("\\\n", " ").splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
            lexer.whitespace_split = True
            words: list[str] = []
            for word in [*lexer, "&&"]:
                if word not in ("&&", ";", "||", "|", "&"):
                    words.append(word)
                    continue
                if words and words[0].endswith("ssm-ts"):
                    commands.append(shlex.join(["ssm-ts", *words[1:]]))
                words = []
    for span in SPAN.findall(FENCED.sub("", text)):
        if PLACEHOLDER.search(span):
            continue
        words = shlex.split(span)  # a span the text wraps over two lines too
        if any(w.startswith("-") for w in words) and (words[-1] in FLAGS or not words[-1].startswith("--")):
            commands.append(shlex.join(words))
    return commands


def parse_problem(command: str, monkeypatch, capsys) -> str | None:
    """None when ``command`` (an ``ssm-ts ...`` line) parses, else what the command printed."""
    from ssm_ts.api import generate_cli, tune_cli
    from ssm_ts.cli.command_help import check_command_options
    from ssm_ts.cli.lightning_cli import SSMTSCLI

    def parsed_cli(self) -> None:  # LightningCLI: after parse_arguments, before the checkpoint is read
        subcommand = self.config["subcommand"]
        check_command_options(self.use_name, subcommand, self.config.get(subcommand) or {})
        raise ArgumentsParsedError

    def parsed(*args, **kwargs):
        raise ArgumentsParsedError

    monkeypatch.setattr(SSMTSCLI, "_parse_ckpt_path", parsed_cli)
    monkeypatch.setattr(tune_cli, "expand_path_settings", parsed)
    monkeypatch.setattr(generate_cli, "resolve_device", parsed)
    argv = shlex.split(command)[1:]
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except ArgumentsParsedError:
        return None
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    if code == 0:  # --help, --version, ssm-ts configs: answered without parsing a run
        return None
    return f"{command}\n  exit {code}: {(out.err or out.out).strip()[-600:]}"


def doc_commands() -> list[tuple[str, str]]:
    """Each distinct command of the pages, with the first page that shows it."""
    first: dict[str, str] = {}
    for page in PAGES:
        for command in command_lines(page_text(page)):
            first.setdefault(command, page.name)
    return [(page, command) for command, page in first.items()]


@pytest.fixture
def docs_folder(in_tmp):
    """The working folder of a reader who made the files the docs' commands name."""
    from ssm_ts.packaged_configs import configs_dir

    for name, config in GIVEN_FILES.items():
        (in_tmp / name).write_text((configs_dir() / f"{config}.yaml").read_text(encoding="utf-8"))
    return in_tmp


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_block_compiles(page):
    for code in python_blocks(page_text(page)):
        ast.parse(code, filename=page.name)


def test_the_pages_have_commands_to_check():
    pages = {page.name for page in PAGES if command_lines(page_text(page))}
    assert {"README.md", "forecasting.md", "classification.md", "audio.md", "cli.md", "tuning.md"} <= pages
    assert len(doc_commands()) >= 25


@pytest.mark.parametrize("page, command", doc_commands(), ids=[c for _, c in doc_commands()])
def test_every_command_line_parses(page, command, docs_folder, monkeypatch, capsys):
    assert parse_problem(command, monkeypatch, capsys) is None, page


@pytest.mark.parametrize(
    "text, named",
    [
        (
            "```bash\nssm-ts forecast fit --config configs/forecast_co2_quick.yaml --data.lookbak 3\n```",
            "lookbak",
        ),
        ("Run `ssm-ts classify predict --ckpt_path best --data.pth x.ts` to classify.", "pth"),
        ("```bash\nssm-ts forecast tune --config forecast_co2_tune --n_trails 2   # smoke\n```", "n_trails"),
        ("```bash\nexport X=1\nssm-ts audio generate --ckpt_path last --nmu 2 \\\n  --out s/\n```", "nmu"),
        ("```bash\nssm-ts forecast fit --data.path my.csv --n 3\n```", "--n"),
    ],
)
def test_a_misspelt_option_in_a_doc_fails(text, named, docs_folder, monkeypatch, capsys):
    [command] = command_lines(text)
    problem = parse_problem(command, monkeypatch, capsys)
    assert problem is not None and named in problem


def test_a_python_block_cut_short_fails():
    [code] = python_blocks('```python\nmodel.fit("co2.csv", time_col="date"\n```\n')
    with pytest.raises(SyntaxError):
        ast.parse(code)
