"""Access control of the server: API tokens, web login, CSRF and the failed-login limit.

Who gets in where:

- open to anyone: ``/health``, ``/ready``, the login page, the static files, the API's
  documentation (``/docs``, ``/openapi.json``: no data) and ``/metrics`` unless closed;
- API routes (``/predict``, ``/model``, a closed ``/metrics``): ``Authorization: Bearer``;
- every page (the list, the students, the model card, monitoring): a logged-in session, or a
  bearer token for scripts. A form post from a session must carry the CSRF token; a bearer
  request needs none (a browser never adds that header on its own).

The extensions are the Flask ecosystem's maintained ones: Flask-Login (sessions), Flask-WTF
(CSRF) and Flask-Limiter (failed logins). The limiter keeps its counts in each worker's
memory, so with ``--workers N`` an address gets at most N times the limit per minute.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, g, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from defasagem.access import ADMIN, EDITOR, EDITORS, AccessStore
from defasagem.api.responses import page_error, see_other
from defasagem.api.settings import AuthSettings
from defasagem.errors import DefasagemError

SESSION_HOURS = 8
LOGGED_IN_AT = "entrou_em"
OPEN = frozenset({"/health", "/ready", "/login", "/docs", "/openapi.json"})
API_ONLY = frozenset({"/predict", "/model", "/metrics"})
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="defasagem"'}


class User(UserMixin):  # type: ignore[misc]
    """A logged-in person. The session keeps the name and a fingerprint of the password hash,
    so a new password (or a removed and re-added user) ends every older session."""

    def __init__(self, name: str, stamp: str, role: str = EDITOR) -> None:
        self.id = name
        self.stamp = stamp
        self.role = role

    def get_id(self) -> str:
        """What Flask-Login keeps in the session."""
        return f"{self.id}:{self.stamp}"


class _Sessions(SecureCookieSessionInterface):
    """Session cookies get ``Secure`` whenever the request came over HTTPS (directly, or
    through a trusted proxy's ``X-Forwarded-Proto``), not only when configured."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # No cookie (API clients, health checks): an empty session, without building the
        # signing serializer that Flask would make on every request.
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def install(
    app: Flask,
    auth: AuthSettings,
    *,
    json_error: Callable[..., Response],
    is_page: Callable[[], bool],
) -> AccessStore:
    """Protect ``app``: the guard on every request, the login and logout routes."""
    store = AccessStore(auth.folder, auth.env_tokens)
    csrf = _configure(app, store, auth)
    logins = LoginManager(app)
    logins.session_protection = "basic"

    def _load(kept: str) -> User | None:
        # A removed user, or a changed password, ends the session on its next request.
        name, _, stamp = kept.rpartition(":")
        try:
            current = store.user_stamp(name)
            role = store.user_role(name)
        except DefasagemError:  # the guard answers 503; templates must not crash on it
            return None
        if current is None or role is None or not hmac.compare_digest(current, stamp):
            return None
        # Read on every request: a changed role applies at once, without a new login.
        return User(name, current, role)

    logins.user_loader(_load)

    def guard() -> ResponseReturnValue | None:
        if request.path == "/health":  # alive; /ready says whether it can serve
            return None
        try:
            store.check_files()
            return check(request.path)
        except DefasagemError as exc:  # a damaged access file closes the doors
            app.logger.error("controle de acesso indisponível: %s", exc)
            message = "controle de acesso indisponível; avise quem administra o servidor"
            if is_page() and not request.is_json:
                return page_error(message + ".", 503)
            return json_error({"erro": message}, 503)

    def check(path: str) -> ResponseReturnValue | None:
        if request.url_rule is None or path in OPEN or path.startswith("/static/"):
            return None  # unknown routes answer their own 404
        if path == "/metrics" and auth.metrics_open:
            return None
        given = request.headers.get("Authorization")
        if given is not None:
            scheme, token = [*given.split(None, 1), "", ""][:2]
            # The files were just checked by the guard: no second stat on the hot path.
            bearer = scheme.lower() == "bearer"
            name = store.token_name(token.strip(), recheck=False) if bearer else None
            if name is None:
                return json_error({"erro": "token inválido ou revogado"}, 401, CHALLENGE)
            # A token is given to a system by whoever administers the server: it may write.
            g.client, g.can_edit = name, True
            return None
        if path in API_ONLY:
            return json_error(
                {"erro": "falta o cabeçalho Authorization: Bearer <token> (crie um com "
                 "'defasagem tokens add NOME')"},
                401,
                CHALLENGE,
            )  # fmt: skip
        if current_user.is_authenticated and _session_expired():
            logout_user()
            session.clear()
        if current_user.is_authenticated:
            g.client, g.can_edit = current_user.id, current_user.role in EDITORS
            g.can_admin = current_user.role == ADMIN
            csrf.protect()  # only checks POST and the like
            return None
        if request.is_json or not is_page():
            return json_error({"erro": "faça login ou envie um token Bearer"}, 401, CHALLENGE)
        wanted = request.full_path if request.method == "GET" else None
        return see_other(url_for("login", next=_safe_next(wanted)))

    app.before_request(guard)

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> ResponseReturnValue:
        message = (
            "o formulário expirou ou não veio desta página (proteção contra CSRF); "
            "recarregue a página e envie de novo."
        )
        if request.is_json or not is_page():
            return json_error({"erro": message}, 400)
        return page_error(message, 400)

    _login_routes(app, store, csrf, auth)
    return store


def _login_routes(app: Flask, store: AccessStore, csrf: CSRFProtect, auth: AuthSettings) -> None:
    """The login and logout routes, the failed-login limit and the CSRF and 429 pages."""
    hooks = _hook_counts(app)
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", headers_enabled=False)
    _only_on_login(app, hooks)

    def login_page(error: str | None = None, status: int = 200, **extra: Any) -> Response:
        html = render_template(
            "login.html", error=error, next=_safe_next(request.values.get("next")), **extra
        )
        return Response(html, status=status, mimetype="text/html")

    @app.get("/login")
    def login() -> ResponseReturnValue:
        if current_user.is_authenticated and not _session_expired():
            return see_other(_safe_next(request.args.get("next")))
        notice = "sessão encerrada." if request.args.get("saiu") else None
        return login_page(notice=notice)

    @app.post("/login")
    @limiter.limit(
        auth.login_limit,
        # Only failures count: a team that logs in often is never locked out.
        deduct_when=lambda response: response.status_code == 401,
        key_func=get_remote_address,
    )
    def login_post() -> ResponseReturnValue:
        csrf.protect()
        name = request.form.get("usuario", "").strip()
        password = request.form.get("senha", "")
        try:
            verified = store.verify_password(name, password)
            stamp = store.user_stamp(name) if verified else None
        except DefasagemError as exc:
            app.logger.error("login indisponível: %s", exc)
            return login_page("login indisponível; avise quem administra o servidor.", 503)
        if stamp is None:
            return login_page("usuário ou senha incorretos.", 401, usuario=name)
        session.clear()  # a fresh session: nothing from before the login carries over
        session.permanent = True
        session[LOGGED_IN_AT] = time.time()
        login_user(User(name, stamp))
        return see_other(_safe_next(request.form.get("next")))

    @app.post("/sair")
    def logout() -> ResponseReturnValue:
        logout_user()
        session.clear()
        return see_other(url_for("login", saiu=1))

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_exc: RateLimitExceeded) -> Response:
        message = "muitas tentativas de login erradas; espere um minuto e tente de novo."
        response = login_page(message, 429)
        response.headers["Retry-After"] = "60"
        return response


def _configure(app: Flask, store: AccessStore, auth: AuthSettings) -> CSRFProtect:
    """Sessions (signed cookies), CSRF and the trusted proxies."""
    if auth.proxies:
        # Behind N reverse proxies: the client's address (for the login limit) and scheme
        # (for Secure cookies) come from their X-Forwarded-* headers, and only theirs.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=auth.proxies, x_proto=auth.proxies, x_host=auth.proxies
        )
    app.secret_key = store.session_key()
    app.session_interface = _Sessions()
    app.config.update(
        SESSION_COOKIE_NAME="defasagem_sessao",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        # The lifetime counts from the login (checked in the guard too), never slides.
        SESSION_REFRESH_EACH_REQUEST=False,
        # The guard decides which requests need the CSRF token (sessions, not bearer calls).
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    csrf = CSRFProtect(app)
    app.jinja_env.globals["csrf_input"] = lambda: Markup(
        f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
    )

    return csrf


def _hook_counts(app: Flask) -> tuple[int, int, int]:
    return (
        len(app.before_request_funcs.get(None, [])),
        len(app.after_request_funcs.get(None, [])),
        len(app.teardown_request_funcs.get(None, [])),
    )


def _only_on_login(app: Flask, before: tuple[int, int, int]) -> None:
    """Run the hooks Flask-Limiter just added to every request only for ``/login``: the limit
    is there alone, and its bookkeeping would cost every API call ~0.1 ms."""
    lists: list[list[Any]] = [
        app.before_request_funcs.setdefault(None, []),
        app.after_request_funcs.setdefault(None, []),
        app.teardown_request_funcs.setdefault(None, []),
    ]
    for hooks, count in zip(lists, before, strict=True):
        for index in range(count, len(hooks)):
            hooks[index] = _on_login(hooks[index])


def _on_login(hook: Callable[..., Any]) -> Callable[..., Any]:
    def gated(*args: Any) -> Any:
        if request.path == "/login":
            return hook(*args)
        return args[0] if args and isinstance(args[0], Response) else None

    return gated


def _session_expired() -> bool:
    """Whether the session's login is older than the lifetime (a kept cookie cannot renew it)."""
    logged_at = session.get(LOGGED_IN_AT)
    return not isinstance(logged_at, float) or time.time() - logged_at > SESSION_HOURS * 3600


def _safe_next(wanted: str | None) -> str:
    """Where to go after the login: a path of this site only (never another host). Browsers
    drop tabs and newlines from addresses and read ``\\`` as ``/``, so those are refused too."""
    if (
        not wanted
        or not wanted.startswith("/")
        or wanted.startswith("//")
        or any(ch == "\\" or ch.isspace() or not ch.isprintable() for ch in wanted)
        or urlsplit(wanted).netloc
    ):
        return "/"
    return wanted.rstrip("?") or "/"
