"""The HTTP API (Flask app factory, schemas, error bodies)."""
