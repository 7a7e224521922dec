"""Who may read and do what (design.md §1). Pure functions: the one place the role → access rules live."""

from __future__ import annotations

from collections.abc import Iterable

from shared.domain.errors import AccessDenied
from shared.domain.models import AccessLevel, Document, Principal, Role, SearchFilter

# guest reads public; employee adds internal; manager adds confidential; director reads everything.
_HIGHEST_LEVEL_FOR_ROLE = {
    Role.GUEST: AccessLevel.PUBLIC,
    Role.EMPLOYEE: AccessLevel.INTERNAL,
    Role.MANAGER: AccessLevel.CONFIDENTIAL,
    Role.DIRECTOR: AccessLevel.RESTRICTED,
}


# What the operator's own tools read under (the evaluation over its corpus, tuning): every document.
UNRESTRICTED = SearchFilter(max_access_level=max(AccessLevel))


def highest_level_for(role: Role) -> AccessLevel:
    return _HIGHEST_LEVEL_FOR_ROLE[role]


def search_filter_for(
    principal: Principal,
    *,
    document_types: Iterable[str] | None = None,
    document_ids: Iterable[str] | None = None,
    max_access_level: AccessLevel | None = None,
) -> SearchFilter:
    """The filter a principal's searches and listings run under. Extra filters only ever narrow it: a
    `max_access_level` above the role's own is the role's own."""
    highest = highest_level_for(principal.role)
    return SearchFilter(
        max_access_level=highest if max_access_level is None else min(highest, max_access_level),
        document_types=None if document_types is None else frozenset(document_types),
        document_ids=None if document_ids is None else frozenset(document_ids),
    )


def can_read(principal: Principal, document: Document) -> bool:
    return document.access_level <= highest_level_for(principal.role)


# Managing documents (delete, upload) and reading analytics and metrics (top queries show what people asked)
# need a manager or above; creating users needs a director.
MANAGER = Role.MANAGER


MANAGING_DOCUMENTS = "managing documents needs the manager role or higher"
READING_ANALYTICS = "analytics need the manager role or higher"


def is_manager(principal: Principal) -> bool:
    """Managers and directors manage documents and read analytics."""
    return principal.role >= MANAGER


def require_manager(principal: Principal, denied: str) -> None:
    """AccessDenied(`denied`) unless the caller is a manager or director."""
    if not is_manager(principal):
        raise AccessDenied(denied)


def require_director(principal: Principal, denied: str) -> None:
    """AccessDenied(`denied`) unless the caller is a director."""
    if principal.role is not Role.DIRECTOR:
        raise AccessDenied(denied)


def require_may_upload(principal: Principal, level: AccessLevel) -> None:
    """A manager+ may upload a document at most at their own access level (nobody writes what they cannot read)."""
    require_manager(principal, MANAGING_DOCUMENTS)
    if level > highest_level_for(principal.role):
        raise AccessDenied("you cannot upload a document above your own access level")
