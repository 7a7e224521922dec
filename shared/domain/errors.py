"""The named failures of the domain. Adapters translate SDK errors into these; HTTP maps them in one place."""


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    code = "error"


class UnsupportedFormat(DomainError):
    """The file's type is not one we can read."""

    code = "unsupported_format"


class EmptyDocument(DomainError):
    """The file holds no readable text."""

    code = "empty_document"


class CorruptDocument(DomainError):
    """The file claims a format but cannot be read as it."""

    code = "corrupt_document"


class DocumentTooLarge(DomainError):
    """The file is over the configured size limit."""

    code = "document_too_large"


class DocumentNotFound(DomainError):
    """No document with that id is visible to the caller."""

    code = "document_not_found"


class InvalidQuery(DomainError):
    """The question cannot be searched (empty after normalisation, too long, bad filter)."""

    code = "invalid_query"


class ModelUnavailable(DomainError):
    """The embedding model files are missing or unreadable."""

    code = "model_unavailable"


class InvalidInput(DomainError):
    """A value given by the caller is out of its allowed range or format."""

    code = "invalid_input"


class AuthenticationFailed(DomainError):
    """The credentials (password, token or API key) are missing, wrong, expired or revoked."""

    code = "unauthorized"


class AccessDenied(DomainError):
    """The caller is known but its role does not allow the action."""

    code = "forbidden"


class UserExists(DomainError):
    """A user with that username already exists."""

    code = "conflict"


class ApiKeyNotFound(DomainError):
    """No API key with that id belongs to the caller."""

    code = "not_found"


class RateLimited(DomainError):
    """The caller made too many requests in the current window; `retry_after` is in seconds (>= 1)."""

    code = "rate_limited"

    def __init__(self, retry_after: int, message: str = "too many requests") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryNotFound(DomainError):
    """No query with that id was asked by the caller."""

    code = "not_found"


class UploadByUrlOnly(DomainError):
    """This deployment takes files by presigned URL only (AWS: the API's request cannot outlast 29 s)."""

    code = "upload_by_url"


class DependencyUnavailable(DomainError):
    """A backing service (index, store, generator) cannot be reached right now."""

    code = "unavailable"


class Throttled(DependencyUnavailable):
    """A backing service refused the request for now (throttling, a busy lock): worth retrying after a pause.

    Adapters raise it (shared/adapters/aws/errors.py, shared/adapters/local/sqlite.py); RetryPolicy retries it."""
