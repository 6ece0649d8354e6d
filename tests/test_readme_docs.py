"""The README and the reference pages in docs/ hold together.

- every relative link (``[text](docs/cli.md#configs)``) names a file that exists and, with ``#``, a
  heading in it (GitHub's anchor rules), so moving or renaming a heading cannot silently break one;
- every repository path quoted in them (``configs/...``, ``benchmarks/...``, ``notebooks/...``) exists;
- the two required commands stay verbatim where CI and the checks look for them: the line after
  "Install and run the main job" (``grep -A8 ... | grep "^python3"``), and ``.ci/run``'s test command is
  the README's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MAIN_JOB = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/python -m ssm_ts.datasets co2 "
    "co2.csv && .venv/bin/ssm-ts forecast fit --config configs/forecast_co2_quick.yaml"
)
TEST_COMMAND = (
    'python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" && .venv/bin/python -m pytest -q'
)
LINK = re.compile(r"\[[^\]]+\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
QUOTED_PATH = re.compile(r"(?<![\w./-])((?:configs|benchmarks|notebooks|tests|docs|\.ci)/[\w./-]*\w)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))  # a "# comment" in a code block is no heading
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.M)}


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {linked.name}")
    return broken


def test_the_reference_pages_exist():
    assert len(PAGES) > 1, "docs/*.md is missing"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_resolve(page: Path):
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_quoted_repository_paths_exist(page: Path):
    quoted = set(QUOTED_PATH.findall(page.read_text(encoding="utf-8")))
    assert sorted(p for p in quoted if not (REPO / p).exists()) == []


def test_the_link_check_finds_a_broken_link_and_anchor(tmp_path):
    """The check above would catch what it is meant to (else it could pass vacuously)."""
    (tmp_path / "other.md").write_text("# Title\n\n## A section: `x`\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-section-x) [gone](missing.md) [bad anchor](other.md#no-such) [web](https://x.org)\n"
        "```bash\n# not a heading\n```\n[self](#not-a-heading)\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#no-such: no heading #no-such in other.md",
        "#not-a-heading: no heading #not-a-heading in page.md",
    ]


def test_the_two_commands_are_where_ci_and_checks_find_them():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    after = next(i for i, line in enumerate(lines) if "Install and run the main job" in line)
    assert [line for line in lines[after : after + 9] if line.startswith("python3")] == [MAIN_JOB]
    after = next(i for i, line in enumerate(lines) if "Install and run the tests" in line)
    assert [line for line in lines[after : after + 9] if line.startswith("python3")] == [TEST_COMMAND]
    assert TEST_COMMAND in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
