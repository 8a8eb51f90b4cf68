"""What each command does: one module per command (``refresh`` serves the faces too)."""
