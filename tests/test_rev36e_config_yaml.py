"""The YAML check every command runs on its ``--config`` files refuses only what the parser refuses: it reads
them with the loader jsonargparse reads them with (libyaml's, which takes a tab after a colon, before a
comment or in a JSON config's indent), and names a control character with its line and column instead of
a PyYAML traceback."""

from __future__ import annotations

import pytest

from ssm_ts.cli.config_yaml import ConfigYAMLError, check_config_yaml

VALID = {
    "tab_before_comment": "model:\n  lr: 0.1\t# the rate\n",
    "tab_after_colon": "model:\n  lr:\t0.1\n",
    "trailing_tab": "model:\n  lr: 0.1\t\n",
    "json_indented_with_tabs": '{\n\t"model": {\n\t\t"lr": 0.1\n\t}\n}\n',
    "anchors_and_merge": "base: &b\n  lr: 0.1\nmodel:\n  <<: *b\n  d_model: 16\n",
    "block_strings": "model:\n  note: |\n    one\n    two\n  other: >-\n    x\n    y\n",
    "tags": "model:\n  lr: !!float 1\n  name: !!str 2\n",
    "flow_style": "model: {lr: 0.1, sizes: [1, 2]}\n",
    "empty": "",
    "comments_only": "# nothing set here\n# yet\n",
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_yaml_the_parser_reads_passes(tmp_path, name):
    config = tmp_path / "c.yaml"
    config.write_text(VALID[name], encoding="utf-8")
    check_config_yaml(["fit", "--config", str(config)])
    check_config_yaml(["fit", f"--config={config}", "--config", str(config)])


def test_a_config_given_inline_is_left_to_the_parser():
    check_config_yaml(["fit", "--config", "{model: {lr: [1, 2}"])


def test_a_real_slip_after_a_tab_the_parser_takes_is_named_where_it_is(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  lr: 0.1\t# tab\n  sizes: [1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigYAMLError, match=r"line 3, column 10: the list that opens here is not closed"):
        check_config_yaml(["fit", "--config", str(config)])


def test_a_control_character_is_named_with_its_line_and_column(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("model:\n  name: a\x07b\n", encoding="utf-8")
    with pytest.raises(ConfigYAMLError) as error:
        check_config_yaml(["fit", "--config", str(config)])
    assert f"--config {config} is not valid YAML: line 2, column 10: a control character (#x0007)" in str(
        error.value
    )


def test_a_tabbed_config_of_another_use_is_still_named_as_such(tmp_path):
    from ssm_ts.errors import ConfigError
    from ssm_ts.packaged_configs import find
    from ssm_ts.tasks.config_use import refuse_other_use_configs

    config = tmp_path / "mine.yaml"
    lines = find("forecast_co2_quick").read_text().splitlines()
    config.write_text("\n".join(f"{line}\t# note" if ": " in line else line for line in lines) + "\n")
    with pytest.raises(ConfigError, match="is a config for ssm-ts forecast, not ssm-ts classify"):
        refuse_other_use_configs(["fit", "--config", str(config)], "classify", "fit")


def test_a_config_of_another_use_given_with_c_is_named_as_such(tmp_path):
    from ssm_ts.errors import ConfigError
    from ssm_ts.packaged_configs import find
    from ssm_ts.tasks.config_use import refuse_other_use_configs

    config = tmp_path / "mine.yaml"
    config.write_text(find("classify_basicmotions_quick").read_text())
    with pytest.raises(ConfigError, match="is a config for ssm-ts classify, not ssm-ts forecast"):
        refuse_other_use_configs(["fit", "-c", str(config)], "forecast", "fit")
