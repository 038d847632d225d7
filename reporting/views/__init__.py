"""Reporting pages: the factor library and the annual emission reports."""
