"""Lambda entry of the query function (answer, search, documents, feedback). Wiring only.

The AWS adapters (OpenSearch, DynamoDB, Bedrock) and the Mangum/Powertools entry come with the AWS
deployment; until then this module exposes the same app the local server runs.
"""

from shared.config import LocalSettings
from shared.http.local_app import create_local_app

app = create_local_app(LocalSettings())
