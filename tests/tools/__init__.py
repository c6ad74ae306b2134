"""Helpers for the reliability and security suite (not tests themselves)."""
