"""wecom package."""
