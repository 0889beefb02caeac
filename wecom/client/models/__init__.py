"""Typed request/response models of the WeCom server APIs."""
