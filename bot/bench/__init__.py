"""`storybot bench`: seed a large database and measure the core, the storage and the platforms.

Platform-free parts live here (the story generator, statistics, the report); the seeding and
the raw-driver floors live in storage/bench.py, the platform runs in adapters/*/bench.py.
"""
