"""Lambda entry of the analytics function. Wiring only; its routes and handler arrive with the AWS deployment."""
