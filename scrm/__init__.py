"""scrm package."""
