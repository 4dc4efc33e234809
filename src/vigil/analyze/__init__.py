"""Analyses over the store: each module answers one kind of question and returns plain data."""
