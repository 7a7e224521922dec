import pytest

from shared.domain.models import AccessLevel, Chunk, Document, Principal, Role
from shared.domain.rbac import can_read, search_filter_for

CAN_READ = {
    Role.GUEST: {AccessLevel.PUBLIC},
    Role.EMPLOYEE: {AccessLevel.PUBLIC, AccessLevel.INTERNAL},
    Role.MANAGER: {AccessLevel.PUBLIC, AccessLevel.INTERNAL, AccessLevel.CONFIDENTIAL},
    Role.DIRECTOR: set(AccessLevel),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("level", list(AccessLevel))
def test_role_reads_exactly_its_levels(role: Role, level: AccessLevel) -> None:
    principal = Principal(id="u", role=role)
    chunk = Chunk(id="c", document_id="d", ordinal=0, text="x", access_level=level)
    expected = level in CAN_READ[role]
    assert search_filter_for(principal).allows(chunk) is expected
    assert can_read(principal, Document(id="d", title="t", access_level=level)) is expected


def test_extra_filters_only_narrow() -> None:
    f = search_filter_for(Principal(id="u", role=Role.GUEST), document_types=["law"], document_ids=["d"])
    ok = Chunk(id="c", document_id="d", ordinal=0, text="x", document_type="law")
    assert f.allows(ok)
    assert not f.allows(Chunk(id="c", document_id="d", ordinal=0, text="x", document_type="memo"))
    assert not f.allows(Chunk(id="c", document_id="e", ordinal=0, text="x", document_type="law"))
    assert not f.allows(Chunk(id="c", document_id="d", ordinal=0, text="x", document_type="law",
                              access_level=AccessLevel.INTERNAL))


@pytest.mark.parametrize(("raw", "level"), [("public", AccessLevel.PUBLIC), (" Restricted ", AccessLevel.RESTRICTED)])
def test_access_level_parse(raw: str, level: AccessLevel) -> None:
    assert AccessLevel.parse(raw) is level


def test_unknown_level_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown access level"):
        AccessLevel.parse("secret")


def test_role_parse_and_its_errors() -> None:
    assert Role.parse(" Manager ") is Role.MANAGER
    assert Role.parse(Role.GUEST) is Role.GUEST
    assert (Role.DIRECTOR.label, AccessLevel.CONFIDENTIAL.label) == ("director", "confidential")
    with pytest.raises(ValueError, match="unknown role 'root'"):
        Role.parse("root")
