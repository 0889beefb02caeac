"""API groups of the client, one mixin per area of wecom-reference.md §3."""
