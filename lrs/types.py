"""Type aliases shared across the package."""

from typing import Any, TypeAlias

JSON: TypeAlias = Any
JSONObject: TypeAlias = dict[str, Any]
Statement: TypeAlias = dict[str, Any]
