#!/bin/sh
# Started by the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap); it proxies invocations to this port.
exec python -m uvicorn --app-dir "${LAMBDA_TASK_ROOT:-.}" functions.stream.app:app --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log
