"""Group SOP: plans, their schedules, materialised runs and their execution."""
