"""Publish: write-audit-publish releases of the marts for BI tools."""
