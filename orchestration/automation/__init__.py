"""Automation: the nightly job, its schedule and the raw-drop sensor."""
