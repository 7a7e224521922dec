"""An opensearch-py client for a managed domain (`es`) or OpenSearch Serverless (`aoss`), SigV4-signed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse


def opensearch_client(endpoint: str, *, region: str | None, service: str = "es", sign: bool = True,
                      timeout: float = 10.0) -> Any:
    """`endpoint` like https://search-x.ap-southeast-1.es.amazonaws.com; `sign=False` for a local,
    unauthenticated OpenSearch (docker, tests)."""
    from opensearchpy import OpenSearch, RequestsHttpConnection

    url = urlparse(endpoint if "://" in endpoint else f"https://{endpoint}")
    auth = None
    if sign:
        import boto3
        from opensearchpy import RequestsAWSV4SignerAuth

        auth = RequestsAWSV4SignerAuth(boto3.Session().get_credentials(), region, service)
    return OpenSearch(hosts=[{"host": url.hostname, "port": url.port or (443 if url.scheme == "https" else 80)}],
                      http_auth=auth, use_ssl=url.scheme == "https", verify_certs=url.scheme == "https",
                      connection_class=RequestsHttpConnection, timeout=timeout, max_retries=2,
                      retry_on_status=(429, 502, 503, 504), retry_on_timeout=True, pool_maxsize=10)
