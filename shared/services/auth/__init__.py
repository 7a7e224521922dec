"""Authentication: password logins issuing JWTs, API keys, and the users behind them."""
