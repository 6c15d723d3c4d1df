"""Orchestration: pull → decide → diff → guard → push → record."""
