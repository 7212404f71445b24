"""Servers the tests run against: a well-behaved HTTP target and misbehaving raw sockets."""
