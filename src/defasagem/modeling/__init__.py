"""Candidates, temporal selection, calibration, evaluation and the model bundle."""
