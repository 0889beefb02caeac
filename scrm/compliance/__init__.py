"""Compliance monitoring (客服监控): sensitive words, sensitive actions, alerts and review."""
