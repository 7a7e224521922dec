"""Lambda entry of the ingest function. Wiring only; its routes and handler arrive with the AWS deployment."""
