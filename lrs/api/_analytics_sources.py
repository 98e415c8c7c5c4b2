"""The customer's catalog and roster files, as the analytics endpoints load them: on first
use and again whenever a file changes; an invalid one answers 503 with the loader's message."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lrs.errors import ServiceUnavailable

if TYPE_CHECKING:
    from analytics.catalog import Catalog, Roster


@dataclass
class Sources:
    """The customer's catalog and roster files: loaded on first use and again whenever a
    file changes (its modification time, size or inode); never a stale or invalid one."""

    catalog_path: str
    roster_path: str
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loaded: dict[str, tuple[tuple[int, int, int], Any]] = field(default_factory=dict)

    def _load(self, setting: str, path: str, loader: Callable[[str], Any]) -> Any:
        from analytics.catalog import CatalogError

        if not path:
            return None
        with self._lock:
            try:
                stamp = _stamp(os.stat(path))
                seen = self._loaded.get(setting)
                if seen is not None and seen[0] == stamp:
                    return seen[1]
                value = loader(path)
            except (OSError, CatalogError) as exc:
                self._loaded.pop(setting, None)
                raise ServiceUnavailable(
                    f"{setting} cannot be used: {exc}; tell the administrator"
                ) from exc
            self._loaded[setting] = (stamp, value)
            return value

    def catalog(self) -> Catalog | None:
        from analytics.catalog import load_catalog

        catalog: Catalog | None = self._load(
            "LRS_ANALYTICS_CATALOG", self.catalog_path, load_catalog
        )
        return catalog

    def roster(self) -> Roster | None:
        from analytics.catalog import load_roster

        roster: Roster | None = self._load("LRS_ANALYTICS_ROSTER", self.roster_path, load_roster)
        return roster

    def stamp(self) -> str:
        """Which versions of the files the last `catalog()` and `roster()` loaded, and which
        are on disk now: figures kept from an earlier answer (lrs.api._analytics_cache) are
        not served once a file has changed, even before a request loads it again."""
        on_disk = []
        for path in (self.catalog_path, self.roster_path):
            try:
                on_disk.append(_stamp(os.stat(path)) if path else None)
            except OSError:
                on_disk.append(None)
        with self._lock:
            loaded = sorted((k, v[0]) for k, v in self._loaded.items())
        return repr((loaded, on_disk))


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def needed(value: Any, setting: str, metric: str) -> Any:
    if value is None:
        raise ServiceUnavailable(f"{metric} needs {setting}, which the administrator has not set")
    return value
