"""Path settings read as the shell reads ``${NAME:-default}``: a plain ``{`` in a default opens no pair
(``${DATA:-a{b}`` is ``a{b``, where the whole value was kept as written), ``$$`` is one ``$`` as
docker-compose reads it (``$$HOME`` was a ``$`` and the home folder), and ``$DATA_v2`` with ``DATA`` set
says to write ``${DATA}_v2``."""

from __future__ import annotations

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.shell_paths import expand_path


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("REV37B_SET", "/set")
    monkeypatch.delenv("REV37B_UNSET", raising=False)
    monkeypatch.delenv("REV37B_SET_v2", raising=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${REV37B_UNSET:-a{b}/x", "a{b/x"),  # bash: a{b/x
        ("${REV37B_UNSET:-{a}b}/x", "{ab}/x"),  # bash: {a, then b}/x
        ("${REV37B_UNSET:-${REV37B_SET}}/x", "/set/x"),  # a ${ inside still nests
        ("runs/price$$usd", "runs/price$usd"),  # a new folder with a $ in its name
        ("$$REV37B_SET/x", "$REV37B_SET/x"),
        ("${REV37B_UNSET:-a$$b}/x", "a$b/x"),
    ],
)
def test_braces_and_escaped_dollars_as_the_shell_and_compose_read_them(env, value, expected):
    assert expand_path(value, "out") == expected


def test_a_set_variable_followed_by_name_characters_names_its_braced_form(env):
    with pytest.raises(ConfigError) as raised:
        expand_path("$REV37B_SET_v2/x.csv", "data.path")
    message = str(raised.value)
    assert "REV37B_SET_v2 is not set (REV37B_SET is set: write ${REV37B_SET}_v2 for it)" in message
    assert expand_path("${REV37B_SET}_v2/x.csv", "data.path") == "/set_v2/x.csv"  # the fix, as pasted
