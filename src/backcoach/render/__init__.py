"""Rendering adapters: charts (and, later, figures and handouts)."""
