"""``locust.util``."""
