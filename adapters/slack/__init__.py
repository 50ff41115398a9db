"""The Slack adapter: Bolt listeners that turn payloads into core calls and replies into
Block Kit, an announcer for the weekly feature, and the runtime `storybot run` starts.

Nothing here decides a business rule; every click and submission goes back to the core.
"""
