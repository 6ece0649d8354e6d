"""Counts in messages: ``"1 channel"``, ``"6 channels"`` (messages said "X has 1 channels")."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, singular for exactly one: ``counted(1, "channel")`` is ``"1 channel"``,
    ``counted(2, "time step")`` is ``"2 time steps"``; ``plural`` for nouns not made by adding "s"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
