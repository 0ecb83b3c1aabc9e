"""Standing tumor boards and their members."""
