"""The token at rest: where it is, its model, its files, the keyring, the one save path.

The token at rest: where it is, its quick read, its model, private files, the lock, the
OS keyring, and the one save path.
"""
