"""Admin pages, one module per area."""
