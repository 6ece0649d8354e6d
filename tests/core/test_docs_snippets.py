"""The Python snippets of docs/core.md run as written (each one asserts what the text says)."""

from __future__ import annotations

import re
from pathlib import Path

import torch

PAGE = Path(__file__).resolve().parents[2] / "docs" / "core.md"


def test_every_python_snippet_in_core_md_runs():
    snippets = re.findall(r"^```python\n(.*?)^```", PAGE.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert snippets, "docs/core.md has no Python snippet"
    torch.manual_seed(0)
    for code in snippets:
        namespace: dict = {}
        exec(compile(code, str(PAGE), "exec"), namespace)  # the project's own docs
        if "y100" in namespace:  # the prompt continued by step() equals the convolution of the whole
            block, x = namespace["block"], namespace["x"]
            with torch.no_grad():
                torch.testing.assert_close(namespace["y100"], block(x[:, :101])[:, 100])
