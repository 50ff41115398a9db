"""Storybot: the platform-free core, its CLI and translations."""
