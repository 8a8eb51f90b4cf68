"""What happens to a token: refresh, import, logout, profiles and the rotation hook."""
