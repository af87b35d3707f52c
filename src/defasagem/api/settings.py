"""The API's settings (kept apart from the app so the gunicorn master never imports the
metrics before their multiprocess folder is set)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from defasagem.store.database import database_url
from defasagem.store.followups import DEFAULT_INTERVENTIONS

DEFAULT_MAX_BATCH = 5000
# A 5,000-student batch is about 4 MB of JSON; a little room, then a clear 413.
DEFAULT_MAX_BODY = 8 * 1024 * 1024
# A PEDE workbook of three years is under 1 MB; 20 MB leaves room for any export of the NGO.
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class AuthSettings:
    """Access control: where users and tokens live, and what stays open."""

    # The access folder (users, token digests, the session key): see defasagem.access.
    folder: Path
    # Extra accepted tokens, from DEFASAGEM_API_TOKENS (separated by commas or spaces).
    env_tokens: str | None = None
    # /metrics without a token (Prometheus on a private network); False closes it.
    metrics_open: bool = True
    # Reverse proxies in front of the server whose X-Forwarded-* headers are trusted.
    proxies: int = 0
    # Failed logins allowed per address (per worker), Flask-Limiter notation.
    login_limit: str = "10 per minute"


@dataclass(frozen=True)
class ApiSettings:
    """What the server needs: the model bundle, the log folder and the request limits."""

    model_dir: Path
    logs_dir: Path
    max_batch: int = DEFAULT_MAX_BATCH
    max_body: int = DEFAULT_MAX_BODY
    max_upload: int = DEFAULT_MAX_UPLOAD
    # Where drift reports are written and read (default: <logs>/drift).
    reports: Path | None = None
    # The RA in the prediction log: pseudonymized with this key (default: a random key kept in
    # <logs>/.chave-pseudonimo), or as sent when raw_ra is True (the operator's choice).
    log_key: str | None = None
    raw_ra: bool = False
    # None: no access control (tests, and `defasagem serve --no-auth`, which warns).
    auth: AuthSettings | None = None
    # The database of lists and follow-ups (default: DEFASAGEM_DATABASE_URL, else a SQLite
    # file in the logs folder).
    database: str | None = None
    # What a follow-up record may name (configs/acompanhamento.toml).
    interventions: tuple[str, ...] = DEFAULT_INTERVENTIONS

    @property
    def database_url(self) -> str:
        """The database's address."""
        return database_url(self.logs_dir, self.database)

    @property
    def reports_dir(self) -> Path:
        """The drift reports folder."""
        return self.reports if self.reports is not None else self.logs_dir / "drift"
