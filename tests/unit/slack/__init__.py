"""Unit tests of bot.slack (pure functions only)."""
