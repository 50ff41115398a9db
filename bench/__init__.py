"""`storybot bench`: seed a large database and measure the core, the storage and the platforms.

Platform-free parts live here (the story generator, statistics, the report); the seeding and
the raw-driver floors in database.py, the platform runs in slack.py and discord.py. Not shipped:
`storybot bench` runs from a source checkout, with the platform fakes of tests/fakes/.
"""
