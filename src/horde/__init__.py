"""horde: load testing."""
