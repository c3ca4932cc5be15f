"""Fault, load and abuse suite: attacks the running bot and records its figures (RELIABILITY.md)."""
