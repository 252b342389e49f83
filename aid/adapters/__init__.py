"""The outside world, each a small class picked by a config name."""
