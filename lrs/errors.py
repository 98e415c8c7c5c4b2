"""Errors that reach the client, each carrying its HTTP status.

    LRSError
     ├── BadRequest            400  invalid input; `path` names where (JSON path or parameter)
     ├── Unauthorized          401  missing or wrong credentials
     ├── Forbidden             403  credential lacks the scope
     ├── NotFound              404
     ├── MethodNotAllowed      405
     ├── Conflict              409
     ├── PreconditionFailed    412
     ├── PayloadTooLarge       413
     ├── UnsupportedMediaType  415
     ├── PreconditionRequired  428
     └── ServiceUnavailable    503  storage unreachable; retry later

`error_body` is the one place that turns an error into the JSON error shape.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LRSError(Exception):
    status: ClassVar[int] = 500

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.path)


class BadRequest(LRSError):
    status = 400


class Unauthorized(LRSError):
    status = 401


class Forbidden(LRSError):
    status = 403


class NotFound(LRSError):
    status = 404


class MethodNotAllowed(LRSError):
    status = 405


class Conflict(LRSError):
    status = 409


class PreconditionFailed(LRSError):
    status = 412


class PayloadTooLarge(LRSError):
    status = 413


class UnsupportedMediaType(LRSError):
    status = 415


class PreconditionRequired(LRSError):
    status = 428


class ServiceUnavailable(LRSError):
    status = 503


def error_body(status: int, message: str, path: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "message": message}
    if path is not None:
        error["path"] = path
    return {"error": error}
