"""Projections and analysis over the event log: pathways, causal graphs, loops, patterns, diagrams."""
