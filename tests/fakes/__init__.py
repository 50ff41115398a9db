"""Fakes shared by the tests and the bench: in-memory storage, and Slack and Discord
servers that speak the platforms' HTTP and gateway protocols over loopback."""
