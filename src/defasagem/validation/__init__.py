"""What a valid student record is, shared by the API and the traffic simulator (no web code):
the record schema and its Portuguese error messages."""
