import pytest
from pydantic import ValidationError

from shared.config import AuthSettings

STRONG = "Zq3-8vLr_Wm1sT0pYx7uKc2NbH5gJd9E"  # 32 characters


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("JWT_SECRET", "ENVIRONMENT", "TOKEN_TTL_SECONDS", "ADMIN_PASSWORD", "ADMIN_USERNAME"):
        monkeypatch.delenv(f"VNRAG_{name}", raising=False)


def test_development_defaults_need_no_secret() -> None:
    settings = AuthSettings()
    assert settings.jwt_secret is None and settings.environment == "development"
    assert settings.rate_limit_per_minute == 10 and settings.admin_username == "admin"


@pytest.mark.parametrize("secret", [None, "short-secret", "changethis", "your-256-bit-secret",
                                    "please-change-this-secret-in-production", "a" * 40, STRONG[:31]])
def test_production_refuses_weak_secrets(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="VNRAG_JWT_SECRET"):
        AuthSettings(environment="production", jwt_secret=secret)


def test_production_accepts_a_strong_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNRAG_ENVIRONMENT", "production")
    monkeypatch.setenv("VNRAG_JWT_SECRET", STRONG)
    settings = AuthSettings()
    assert settings.jwt_secret.get_secret_value() == STRONG
    assert STRONG not in repr(settings)  # SecretStr keeps it out of logs
