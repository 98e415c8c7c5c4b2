"""The checks, one module per area of the specification; importing this registers them all."""

from __future__ import annotations

import importlib
import pkgutil


def _import_all() -> None:
    for module in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        importlib.import_module(module.name)


_import_all()
