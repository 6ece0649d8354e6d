"""`ssm-ts forecast tune --config X` checks which use its config is for without importing Lightning: a parse
error (or --help) answers in a fraction of a second, as the command promises, not after Lightning's import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ssm_ts.packaged_configs import find
from ssm_ts.tasks import config_use
from ssm_ts.tasks.checkpoint_use import init_settings
from ssm_ts.tasks.config_use import USE_SECTIONS

# runs the command in a fresh process, then says which heavy modules the run imported
RUN_AND_LIST_MODULES = """
import json, sys
from ssm_ts.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as end:
    code = end.code
print(json.dumps({"code": code, "loaded": [m for m in ("lightning", "torch") if m in sys.modules]}))
"""


def run_light(args: list[str], cwd) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_a_tune_config_parse_error_imports_no_lightning(tmp_path):
    config = tmp_path / "search.yaml"
    config.write_text(find("forecast_co2_tune").read_text())
    result, err = run_light(["forecast", "tune", "--config", str(config), "--n_trials", "abc"], tmp_path)
    assert result == {"code": 2, "loaded": []}, err
    assert "--n_trials takes a whole number or null; got 'abc'" in err


def test_a_classify_config_given_to_tune_is_refused_without_lightning(tmp_path):
    config = tmp_path / "renamed.yaml"  # a copy: a shipped one's name is refused before it is read
    config.write_text(find("classify_basicmotions_quick").read_text())
    result, err = run_light(["forecast", "tune", "--config", str(config)], tmp_path)
    assert result == {"code": 1, "loaded": []}, err
    assert "is a config for ssm-ts classify, not ssm-ts forecast" in err


@pytest.mark.parametrize(
    "target", sorted({t for sections in USE_SECTIONS.values() for t in sections.values()})
)
def test_settings_read_from_the_source_are_the_imported_class_settings(target):
    module, _, attribute = target.partition(":")
    from_source = config_use._source_init_parameters(module, attribute)  # what a fresh process reads
    assert from_source is not None and from_source == init_settings(target)
