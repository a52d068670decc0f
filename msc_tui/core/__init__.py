"""The domain: app types, recipes, images, sessions, runs, packages, saved state. No Textual."""
