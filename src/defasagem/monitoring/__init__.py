"""Prediction log, drift report and traffic simulator."""
