"""xAPI versions this LRS speaks, and the negotiation of the request header."""

from __future__ import annotations

import enum
import re

from lrs.errors import BadRequest


class XAPIVersion(enum.Enum):
    V1_0_3 = "1.0.3"
    V2_0_0 = "2.0.0"

    @property
    def is_2(self) -> bool:
        return self is XAPIVersion.V2_0_0


SUPPORTED = [v.value for v in XAPIVersion]
_HEADER = re.compile(r"^(1\.0|2\.0)(\.\d+)?$")
HEADER = "X-Experience-API-Version"


def negotiate(header: str | None) -> XAPIVersion:
    """The version that answers a request carrying `header`.

    1.0.3 answers every 1.0.x request, 2.0.0 every 2.0.x request (xAPI 2.0 [g4]).
    """
    if header is None:
        raise BadRequest(f"missing {HEADER} header", path=HEADER)
    match = _HEADER.match(header.strip())
    if match is None:
        raise BadRequest(
            f"unsupported {HEADER} {header!r}; supported: {', '.join(SUPPORTED)}", path=HEADER
        )
    return XAPIVersion.V1_0_3 if match.group(1) == "1.0" else XAPIVersion.V2_0_0
