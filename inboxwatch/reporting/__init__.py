"""The daily report: built from the database, rendered as text, JSON and HTML with charts, queued
and mailed as the alert."""
