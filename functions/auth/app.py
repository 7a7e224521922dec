"""Lambda entry of the auth function. Wiring only; its routes and handler arrive with the AWS deployment."""
