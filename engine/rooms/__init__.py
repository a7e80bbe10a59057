"""Simulated rooms: the model (model.py) and one module per area of room requests."""
