"""The operator admin: indicators, merchants (approval, assisted mode, audit), territory."""
