"""Alembic migrations of the defasagem database (run by ``defasagem db upgrade``)."""
