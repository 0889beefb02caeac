"""Forecast commitments and sales targets: one figure per member and month each."""

from __future__ import annotations

from datetime import datetime

from tortoise import fields

from scrm.models.base import CorpScopedModel


class ForecastSubmission(CorpScopedModel):
    """What a member commits to close in a month (seeds: AE self-report, manager review).
    A later submission for the same month replaces the figure and keeps the first time."""

    userid = fields.CharField(max_length=64)
    month = fields.CharField(max_length=7)  # YYYY-MM in the corp's time zone
    amount = fields.BigIntField()  # minor units (分)
    note = fields.CharField(max_length=255, default="")
    submitted_by = fields.CharField(max_length=64, default="")
    submitted_at: datetime = fields.DatetimeField()

    class Meta:
        table = "forecast_submission"
        unique_together = (("corp", "userid", "month"),)


class SalesTarget(CorpScopedModel):
    """A member's quota for a month, entered by a manager: coverage is measured against it."""

    userid = fields.CharField(max_length=64)
    month = fields.CharField(max_length=7)
    amount = fields.BigIntField()
    set_by = fields.CharField(max_length=64, default="")

    class Meta:
        table = "sales_target"
        unique_together = (("corp", "userid", "month"),)
