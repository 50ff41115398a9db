"""A local chat in the terminal: the whole bot, no tokens needed."""
