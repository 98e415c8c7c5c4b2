"""The Agent Profile resource (xAPI 1.0.3 Communication 2.6)."""

from lrs.api._documents import DocumentResource
from lrs.auth import PROFILE_READ, PROFILE_WRITE

endpoint = DocumentResource(
    resource="agent_profile",
    id_param="profileId",
    activity=False,
    agent=True,
    registration=False,
    read_scopes=PROFILE_READ,
    write_scopes=PROFILE_WRITE,
    put_precondition=lambda version: "always",
)
