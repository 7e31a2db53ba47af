"""territories."""
