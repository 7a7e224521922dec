"""`vnrag users create --table`: the first director of an AWS deployment, written where the functions read it.

Nothing else creates a user on AWS (only `vnrag serve` bootstraps one, in local mode), so without this
command nobody could log in after a deploy.
"""

from __future__ import annotations

import secrets

from click.testing import CliRunner

from shared.adapters.aws.dynamodb.auth import DynamoDBApiKeyStore, DynamoDBUserStore
from shared.domain.models import Role
from shared.entrypoints.cli.main import main
from shared.services.auth.service import AuthService
from tests.integration.aws.moto_env import TABLE

PASSWORD = "mat-khau-giam-doc-2025"


def test_creates_the_first_director_in_the_table_and_it_can_log_in(dynamodb) -> None:
    result = CliRunner().invoke(main, ["users", "create", "admin", "--role", "director", "--table", TABLE,
                                       "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "created admin (director) in table vnrag-test" in result.output

    # What the query function's AuthService (shared.bootstrap.aws.build_auth) does with that item.
    auth = AuthService(DynamoDBUserStore(TABLE, client=dynamodb), DynamoDBApiKeyStore(TABLE, client=dynamodb),
                       secret=secrets.token_urlsafe(32))
    principal = auth.authenticate_token(auth.login("admin", PASSWORD).access_token)
    assert principal.id == "admin" and principal.role is Role.DIRECTOR


def test_an_existing_user_is_refused_and_kept(dynamodb) -> None:
    args = ["users", "create", "admin", "--role", "director", "--table", TABLE]
    assert CliRunner().invoke(main, [*args, "--password", PASSWORD]).exit_code == 0
    again = CliRunner().invoke(main, [*args, "--password", "mat-khau-khac-hoan-toan"])
    assert again.exit_code == 1 and "already exists" in again.output
    users = DynamoDBUserStore(TABLE, client=dynamodb)
    assert users.get_user("admin").role is Role.DIRECTOR


def test_a_weak_password_is_refused_before_anything_is_written(dynamodb) -> None:
    result = CliRunner().invoke(main, ["users", "create", "lan", "--role", "employee", "--table", TABLE,
                                       "--password", "short"])
    assert result.exit_code == 1 and "Error" in result.output
    assert DynamoDBUserStore(TABLE, client=dynamodb).get_user("lan") is None
