"""Lambda entry of the auth function: the API Gateway REQUEST authorizer (JWT or API key)."""

from shared.bootstrap.aws_functions import create_authorizer
from shared.entrypoints.aws_lambda.entry import observed

lambda_handler = observed(create_authorizer())
