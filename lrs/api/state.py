"""The State resource (xAPI 1.0.3 Communication 2.3): a learner's scratch area per activity."""

from lrs.api._documents import DocumentResource
from lrs.auth import STATE_READ, STATE_WRITE

# A PUT over existing state without a precondition is allowed in 1.0.3 (Communication 3.1,
# "state conflicts are unlikely") and a 409 in 2.0; a new state document never needs one.
endpoint = DocumentResource(
    resource="state",
    id_param="stateId",
    activity=True,
    agent=True,
    registration=True,
    read_scopes=STATE_READ,
    write_scopes=STATE_WRITE,
    put_precondition=lambda version: "existing" if version.is_2 else "never",
    delete_all=True,
)
