"""The Discord adapter: slash commands, buttons and modals in, the core's replies out.

`runtime.DiscordRuntime` is what `storybot run` starts; everything else is reached from it.
"""
