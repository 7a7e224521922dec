"""Entry of the stream function: the same FastAPI app, served by uvicorn under the Lambda Web Adapter
(run.sh), so /api/v1/query/stream can stream its Server-Sent Events (Mangum cannot stream)."""

from shared.bootstrap.aws_functions import create_aws_app

app = create_aws_app(stream=True)
