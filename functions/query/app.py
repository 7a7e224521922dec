"""Lambda entry of the query function: the HTTP API (query, documents, feedback, auth) under Mangum."""

from shared.bootstrap.aws_functions import create_aws_app
from shared.entrypoints.aws_lambda.entry import lambda_entrypoint

lambda_handler = lambda_entrypoint(create_aws_app())
