"""Lambda entry of the ingest function: S3 drop-folder events via SQS, failures reported per message;
and every minute, an EventBridge scheduled event that purges retired versions from OpenSearch."""

from shared.bootstrap.aws_functions import create_ingest_handler
from shared.entrypoints.aws_lambda.entry import observed

lambda_handler = observed(create_ingest_handler())
