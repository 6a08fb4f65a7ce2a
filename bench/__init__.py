"""Benchmarks for immuno: measured answer quality, kept out of the bot package and its tests."""
