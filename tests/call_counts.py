"""Counting the calls of a function a test replaces: the pin of a speed fix that must not depend on a
timing (a frame built once, not once per window; a computation kept, not redone)."""

from __future__ import annotations

import functools

import pytest


def counted_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Replace ``owner.name`` (a module's function or a class's method) with one that records each call and
    then runs it; the list grows by one a call."""
    calls: list[int] = []
    original = getattr(owner, name)

    @functools.wraps(original)
    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls
