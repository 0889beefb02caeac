"""livecode package."""
