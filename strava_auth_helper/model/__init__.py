"""What a token, a scope, a profile and the app's credentials are: the rules every layer shares."""
