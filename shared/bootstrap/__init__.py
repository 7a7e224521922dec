"""Composition roots: settings → adapters → services, one per mode. The only package that knows the adapters.

- `local`: local mode (SQLite stores, the in-process index, the ONNX embedder, the extractive answerer);
- `aws`: AWS mode (DynamoDB, OpenSearch, S3, Bedrock), and `aws_functions` the Lambda functions' cold starts;
- `api`: the HTTP API's services over either mode's core (one builder for both);
- `models`: the embedding model and the word segmenter, which both modes load the same way.
"""
