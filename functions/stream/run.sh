#!/bin/sh
# Started by the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap), which proxies each invocation
# to this port and streams the response back (AWS_LWA_INVOKE_MODE=response_stream).
export PYTHONPATH="/opt/python:${LAMBDA_TASK_ROOT:-.}${PYTHONPATH:+:$PYTHONPATH}"
exec python -m uvicorn --app-dir "${LAMBDA_TASK_ROOT:-.}" functions.stream.app:app \
    --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log
