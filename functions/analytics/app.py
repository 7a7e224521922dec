"""Lambda entry of the analytics function: usage, quality and document figures (manager and director)."""

from shared.bootstrap.aws_functions import create_analytics_app
from shared.entrypoints.aws_lambda.entry import lambda_entrypoint

lambda_handler = lambda_entrypoint(create_analytics_app())
