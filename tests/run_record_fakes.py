"""Stand-ins for what ``ssm_ts.tracking.run_status`` reads of a Lightning MLflow logger: a started run
``r1`` whose store keeps the tags set on it (the tests of what a stopped fit records)."""

from __future__ import annotations


class TagStore:
    """An MLflow client that keeps the tags set, as ``tags[key] = value``."""

    def __init__(self) -> None:
        self.tags: dict[str, str] = {}

    def set_tag(self, run_id: str, key: str, value: str) -> None:
        self.tags[key] = value


class StartedLogger:
    """A logger whose run ``r1`` has started, its ``experiment`` a :class:`TagStore`."""

    run_id = "r1"

    def __init__(self) -> None:
        self.experiment = TagStore()
