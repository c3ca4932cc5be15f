"""Unit tests: one module of bot/ at a time, mirroring its tree."""
