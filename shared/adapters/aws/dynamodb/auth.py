"""Users and API keys in the DynamoDB table (layout: shared.adapters.aws.dynamodb.table).

A key is found by its SHA-256 (one GetItem, the authorizer's hot path) and listed by owner through
GSI1. Its id is reserved by a second item in the same transaction, so ids and hashes both stay unique
and revocation by id is two GetItems and one conditional update, never a scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.adapters.aws.dynamodb.table import all_items, call, from_item, is_condition_failure, key, to_item
from shared.domain.auth import ApiKeyRecord, User
from shared.domain.errors import UserExists
from shared.domain.models import Role


def _user_key(username: str) -> dict:
    return key(f"USER#{username}", "USER")


class DynamoDBUserStore:
    """UserStore on DynamoDB: every method is one conditional single-item write or a GetItem."""

    def __init__(self, table_name: str, *, client: Any) -> None:
        self._table, self._client = table_name, client

    def create_user(self, user: User) -> None:
        item = {**_user_key(user.username), **to_item({
            "kind": "user", "username": user.username, "password_hash": user.password_hash,
            "role": int(user.role), "email": user.email, "active": user.active,
            "created_at": user.created_at.isoformat(), "token_version": user.token_version})}
        try:
            call(self._client.put_item, TableName=self._table, Item=item,
                 ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if is_condition_failure(exc):
                raise UserExists(f"user {user.username!r} already exists") from exc
            raise

    def get_user(self, username: str) -> User | None:
        item = call(self._client.get_item, TableName=self._table, Key=_user_key(username),
                    ConsistentRead=True).get("Item")
        if not item:
            return None
        v = from_item(item)
        return User(username=v["username"], password_hash=v["password_hash"], role=Role(v["role"]),
                    email=v.get("email"), active=v["active"], created_at=datetime.fromisoformat(v["created_at"]),
                    token_version=v["token_version"])

    def delete_user(self, username: str) -> bool:
        old = call(self._client.delete_item, TableName=self._table, Key=_user_key(username),
                   ReturnValues="ALL_OLD")
        return bool(old.get("Attributes"))

    def set_active(self, username: str, active: bool) -> bool:
        return self._update(username, "SET active = :v", {":v": {"BOOL": active}})

    def bump_token_version(self, username: str) -> bool:
        return self._update(username, "ADD token_version :one", {":one": {"N": "1"}})

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        return self._update(username, "SET password_hash = :v", {":v": {"S": password_hash}})

    def _update(self, username: str, expression: str, values: dict) -> bool:
        try:  # the condition keeps an update from creating a half-made user
            call(self._client.update_item, TableName=self._table, Key=_user_key(username),
                 UpdateExpression=expression, ExpressionAttributeValues=values,
                 ConditionExpression="attribute_exists(PK)")
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


class DynamoDBApiKeyStore:
    """ApiKeyStore on DynamoDB."""

    def __init__(self, table_name: str, *, client: Any) -> None:
        self._table, self._client = table_name, client

    def put_key(self, record: ApiKeyRecord) -> None:
        item = {**key(f"KEY#{record.key_hash}", "KEY"), **to_item({
            "kind": "api_key", "id": record.id, "owner": record.owner, "name": record.name,
            "key_hash": record.key_hash, "prefix": record.prefix, "created_at": record.created_at.isoformat(),
            "expires_at_iso": record.expires_at.isoformat(), "revoked": record.revoked,
            "GSI1PK": f"OWNER#{record.owner}", "GSI1SK": f"{record.created_at.isoformat()}#{record.id}"})}
        id_item = {**key(f"KEYID#{record.id}", "KEYID"), **to_item({"key_hash": record.key_hash,
                                                                    "owner": record.owner})}
        unique = "attribute_not_exists(PK)"
        try:
            call(self._client.transact_write_items, TransactItems=[
                {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": unique}},
                {"Put": {"TableName": self._table, "Item": id_item, "ConditionExpression": unique}}])
        except Exception as exc:
            if is_condition_failure(exc):
                raise ValueError("an API key with that id or hash already exists") from exc
            raise

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        item = call(self._client.get_item, TableName=self._table, Key=key(f"KEY#{key_hash}", "KEY"),
                    ConsistentRead=True).get("Item")
        return _record(from_item(item)) if item else None

    def list_keys(self, owner: str) -> list[ApiKeyRecord]:
        items = all_items(self._client.query, TableName=self._table, IndexName="GSI1",
                          KeyConditionExpression="GSI1PK = :o",
                          ExpressionAttributeValues={":o": {"S": f"OWNER#{owner}"}})
        return sorted((_record(from_item(i)) for i in items), key=lambda r: (r.created_at, r.id))

    def revoke_key(self, owner: str, key_id: str) -> bool:
        pointer = call(self._client.get_item, TableName=self._table, Key=key(f"KEYID#{key_id}", "KEYID"),
                       ConsistentRead=True).get("Item")
        if not pointer:
            return False
        try:  # the owner is part of the condition: nobody revokes another user's key
            call(self._client.update_item, TableName=self._table,
                 Key=key(f"KEY#{pointer['key_hash']['S']}", "KEY"), UpdateExpression="SET revoked = :t",
                 ConditionExpression="attribute_exists(PK) AND #o = :o AND #i = :id",
                 ExpressionAttributeNames={"#o": "owner", "#i": "id"},
                 ExpressionAttributeValues={":t": {"BOOL": True}, ":o": {"S": owner}, ":id": {"S": key_id}})
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


def _record(v: dict) -> ApiKeyRecord:
    return ApiKeyRecord(id=v["id"], owner=v["owner"], name=v["name"], key_hash=v["key_hash"], prefix=v["prefix"],
                        created_at=datetime.fromisoformat(v["created_at"]),
                        expires_at=datetime.fromisoformat(v["expires_at_iso"]), revoked=v["revoked"])
