"""A mapping option given ``name:value`` with no braces (``--model.model_options n_kernels:20``) is one
string to YAML: the parse error said only "takes a mapping"; it now shows how to write it, as a flow
mapping without the space after its colon (``{n_kernels:20}``) already did."""

from __future__ import annotations

import pytest

from tests.cli.test_fcli_parse_errors import parse_error


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["classify", "fit", "--model.model_options", "n_kernels:20"], "write {n_kernels: 20}: "),
        (["forecast", "fit", "--data.read_options", "sep:;"], "write {sep: ;}: "),
        (["classify", "fit", "--model.model_options", "{n_kernels:20}"], "write {n_kernels: 20}: "),
    ],
)
def test_a_mapping_option_given_name_colon_value_says_how_to_write_it(args, written, capsys):
    lines = parse_error(args, capsys)
    assert f"--{args[2].lstrip('-')} takes a mapping" in lines[0], lines
    (hint,) = [line for line in lines if "YAML needs a space after the colon" in line]
    assert hint.strip().startswith(written), lines


@pytest.mark.parametrize("value", ["5", "[1, 2]", "n_kernels"])
def test_no_hint_for_a_value_that_is_no_name_colon_value(value, capsys):
    lines = parse_error(["forecast", "fit", "--model.model_options", value], capsys)
    assert not [line for line in lines if "YAML needs" in line], lines
