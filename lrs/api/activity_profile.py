"""The Activity Profile resource (xAPI 1.0.3 Communication 2.7)."""

from lrs.api._documents import DocumentResource
from lrs.auth import PROFILE_READ, PROFILE_WRITE

endpoint = DocumentResource(
    resource="activity_profile",
    id_param="profileId",
    activity=True,
    agent=False,
    registration=False,
    read_scopes=PROFILE_READ,
    write_scopes=PROFILE_WRITE,
    put_precondition=lambda version: "always",
)
