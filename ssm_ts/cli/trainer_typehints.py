"""Trainer options typed ``int | float`` read ``5`` as the int 5, as Lightning declares them.

Python caches ``typing.Union`` objects by their members as a set, so the ``Optional[Union[int, float]]``
of Lightning's ``Trainer.__init__`` may be the object another module made first as
``Optional[Union[float, int]]`` (lightning.fabric and torch make one), depending on what was imported
before and what the cache has dropped since. jsonargparse tries a union's members in order: with float
first, ``--trainer.limit_train_batches 1`` became 1.0, which Lightning reads as every batch, not one.
"""

from __future__ import annotations

import typing
from typing import Any


def int_before_float(hint: Any) -> Any:
    """``hint`` with ``int`` moved before ``float`` if it is a union holding both in the other order.

    The union is built from a tuple of its members, a cache key of its own, so the order holds."""
    members = typing.get_args(hint)
    if typing.get_origin(hint) is not typing.Union or int not in members or float not in members:
        return hint
    if members.index(int) < members.index(float):
        return hint
    return typing.Union[(int, float, *(m for m in members if m not in (int, float)))]


def declare_int_before_float(trainer_class: type) -> None:
    """Put ``int`` first again in the ``int | float`` options of ``trainer_class.__init__`` (Lightning's
    own order), before the CLI's parser reads them."""
    annotations = trainer_class.__init__.__annotations__
    for name, hint in list(annotations.items()):
        annotations[name] = int_before_float(hint)
