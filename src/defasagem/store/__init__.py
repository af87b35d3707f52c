"""The database behind the follow-up records and the stored lists (issue 16): SQLite in the data
folder by default, PostgreSQL when ``DEFASAGEM_DATABASE_URL`` names one; schema by Alembic."""
