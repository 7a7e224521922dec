"""Who may read what (design.md §1). Pure functions: the one place the role → access rule lives."""

from __future__ import annotations

from collections.abc import Iterable

from shared.domain.models import AccessLevel, Document, Principal, Role, SearchFilter

# guest reads public; employee adds internal; manager adds confidential; director reads everything.
_HIGHEST_LEVEL_FOR_ROLE = {
    Role.GUEST: AccessLevel.PUBLIC,
    Role.EMPLOYEE: AccessLevel.INTERNAL,
    Role.MANAGER: AccessLevel.CONFIDENTIAL,
    Role.DIRECTOR: AccessLevel.RESTRICTED,
}


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
