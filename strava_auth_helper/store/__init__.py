"""The token at rest: where it is, its files, its lock, and where its refresh token lives."""
