import stat
from pathlib import Path

import pytest

from shared.config import AuthSettings
from shared.services.auth.secrets import resolve_jwt_secret


def test_configured_secret_wins(tmp_path: Path) -> None:
    secret = "x" * 40
    assert resolve_jwt_secret(AuthSettings(jwt_secret=secret), tmp_path) == secret
    assert not (tmp_path / "jwt-secret").exists()


def test_development_secret_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = resolve_jwt_secret(AuthSettings(jwt_secret=None), data_dir)
    assert len(first) >= 32
    assert stat.S_IMODE((data_dir / "jwt-secret").stat().st_mode) == 0o600
    assert resolve_jwt_secret(AuthSettings(jwt_secret=None), data_dir) == first
    assert [p.name for p in data_dir.iterdir()] == ["jwt-secret"]  # no temporary file left behind


def test_loose_permissions_are_tightened(tmp_path: Path) -> None:
    first = resolve_jwt_secret(AuthSettings(jwt_secret=None), tmp_path)
    (tmp_path / "jwt-secret").chmod(0o644)
    assert resolve_jwt_secret(AuthSettings(jwt_secret=None), tmp_path) == first
    assert stat.S_IMODE((tmp_path / "jwt-secret").stat().st_mode) == 0o600


def test_unusable_secret_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "jwt-secret").write_text("short")
    with pytest.raises(ValueError, match="jwt-secret"):
        resolve_jwt_secret(AuthSettings(jwt_secret=None), tmp_path)


def test_production_without_secret_is_an_error(tmp_path: Path) -> None:
    # model_construct skips the validator, as a settings object built some other way might.
    settings = AuthSettings.model_construct(environment="production", jwt_secret=None)
    with pytest.raises(ValueError):
        resolve_jwt_secret(settings, tmp_path)
