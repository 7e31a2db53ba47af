"""Delivery rounds in the reference shop: the operator's round board and set-up, and what
the courier pages share with it (configuration of the planner, geocoder and map)."""
