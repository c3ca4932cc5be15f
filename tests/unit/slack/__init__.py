"""Tests of bot.slack: the pure views, and the listeners dispatched in-process through Bolt."""
