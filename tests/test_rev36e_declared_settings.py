"""The settings the other-use config check reads from a class's source without importing it are those
:func:`inspect.signature` gives the imported class, or the class is imported: Python binds a name to its
last statement (a class defined again, rebound, imported over, an ``__init__`` defined twice or assigned),
and a metaclass may give the class another ``__init__``; the source reader took the first statement."""

from __future__ import annotations

import sys

import pytest

from ssm_ts.tasks.checkpoint_use import init_settings
from ssm_ts.tasks.config_use import _source_init_parameters

INIT_A = "class C:\n    def __init__(self, a): pass\n"
INIT_Z = "class D:\n    def __init__(self, z): pass\n"
CASES = {
    "defined_again": INIT_A + INIT_Z.replace("class D", "class C"),
    "rebound": INIT_A + INIT_Z + "C = D\n",
    "imported_over": INIT_A + "from .other import D as C\n",
    "class_over_import": "from .other import D as C\n" + INIT_A,
    "init_twice": INIT_A + "    def __init__(self, z): pass\n",
    "init_assigned": INIT_Z.replace("class D:", "class C:") + "    __init__ = lambda self, a: None\n",
    "metaclass": (
        "class M(type):\n    def __new__(m, name, bases, ns):\n"
        "        ns['__init__'] = lambda self, a: None\n        return super().__new__(m, name, bases, ns)\n"
        + INIT_Z.replace("class D:", "class C(metaclass=M):")
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_source_settings_are_the_imported_class_settings_or_none(tmp_path, monkeypatch, case):
    package = f"rev36e_{case}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "other.py").write_text(INIT_Z)
    (tmp_path / package / "module.py").write_text(CASES[case])
    monkeypatch.syspath_prepend(str(tmp_path))
    from_source = _source_init_parameters(f"{package}.module", "C")  # before any import, as a fresh process
    try:
        assert from_source in (None, init_settings(f"{package}.module:C"))
    finally:
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]
