"""Create, on LocalStack (or any AWS-compatible endpoint), the resources template.yaml would create.

    .venv/bin/python tools/localstack_setup.py [--endpoint http://localhost:4566] [--env-file PATH]

Idempotent. Makes the DynamoDB table (same keys, indexes and TTL as the adapters expect), the
documents bucket, the ingest queue with the bucket's notification into it, the JWT secret and an
OpenSearch domain, then writes the environment file that `sam local invoke --env-vars` reads so the
functions (in their containers) reach the same endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.adapters.aws.clients import aws_client  # noqa: E402
from shared.adapters.aws.dynamodb.table import create_table  # noqa: E402

NAMES = {"table": "vnrag-local", "bucket": "vnrag-local-documents", "queue": "vnrag-local-ingest",
         "secret": "vnrag-local-jwt", "domain": "vnrag-local"}
FUNCTIONS = ("QueryFunction", "StreamFunction", "IngestFunction", "AuthFunction", "AnalyticsFunction")


def set_up(endpoint: str, region: str, *, drop_prefix: str = "incoming/") -> dict[str, str]:
    """Create everything; returns the settings the functions need."""
    def client(service: str):
        return aws_client(service, region=region, endpoint_url=endpoint)

    create_table(client("dynamodb"), NAMES["table"])
    s3 = client("s3")
    try:
        s3.create_bucket(Bucket=NAMES["bucket"], CreateBucketConfiguration={"LocationConstraint": region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    sqs = client("sqs")
    queue_url = sqs.create_queue(QueueName=NAMES["queue"])["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=NAMES["bucket"], NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": drop_prefix}]}}}]})
    sm = client("secretsmanager")
    try:
        secret_arn = sm.create_secret(Name=NAMES["secret"], SecretString=secrets.token_urlsafe(48))["ARN"]
    except sm.exceptions.ResourceExistsException:
        secret_arn = sm.describe_secret(SecretId=NAMES["secret"])["ARN"]
    opensearch = client("opensearch")
    try:
        domain = opensearch.create_domain(DomainName=NAMES["domain"])["DomainStatus"]
    except opensearch.exceptions.ResourceAlreadyExistsException:
        domain = opensearch.describe_domain(DomainName=NAMES["domain"])["DomainStatus"]
    search_endpoint = domain.get("Endpoint") or ""
    return {
        "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "VNRAG_TABLE_NAME": NAMES["table"],
        "VNRAG_DOCUMENTS_BUCKET": NAMES["bucket"], "VNRAG_DROP_PREFIX": drop_prefix,
        "VNRAG_JWT_SECRET_ARN": secret_arn, "VNRAG_OPENSEARCH_SERVICE": "es",
        "VNRAG_OPENSEARCH_ENDPOINT": search_endpoint if search_endpoint.startswith("http")
        else f"http://{search_endpoint}" if search_endpoint else "",
        "VNRAG_INGEST_QUEUE_URL": queue_url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default=os.environ.get("LOCALSTACK_ENDPOINT", "http://localhost:4566"))
    parser.add_argument("--function-host", default="localstack",
                        help="how the function containers reach LocalStack: its container name on the Docker "
                             "network that `sam local invoke --docker-network` joins")
    parser.add_argument("--region", default="ap-southeast-1")
    parser.add_argument("--env-file", type=Path, default=Path(".cache/localstack-env.json"))
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")  # LocalStack accepts any credentials
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    settings = set_up(args.endpoint, args.region)
    # Inside the function containers "localhost" is the container itself: use LocalStack's name.
    for name in ("AWS_ENDPOINT_URL", "VNRAG_OPENSEARCH_ENDPOINT"):
        for loopback in ("localhost", "127.0.0.1"):
            settings[name] = settings[name].replace(loopback, args.function_host)
    args.env_file.parent.mkdir(parents=True, exist_ok=True)
    args.env_file.write_text(json.dumps(dict.fromkeys(FUNCTIONS, settings), indent=2))
    print(f"resources ready on {args.endpoint}; function environment in {args.env_file}")


if __name__ == "__main__":
    main()
