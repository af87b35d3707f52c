"""Access control through Flask's test client: tokens, login, CSRF, the failed-login limit,
cookies and what stays open. Each test asserts the status and the body."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from defasagem.access import USERS_FILE, AccessStore
from defasagem.api.app import CSP, create_app
from defasagem.api.settings import ApiSettings, AuthSettings
from defasagem.cli import main

STUDENT = {"ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "ieg": 5.1, "ida": 4.2}
PASSWORD = "uma-senha-longa-7"


@pytest.fixture
def access(tmp_path: Path) -> AccessStore:
    store = AccessStore(tmp_path / "acesso")
    store.add_user("maria", PASSWORD)
    return store


@pytest.fixture
def token(access: AccessStore) -> str:
    return access.add_token("painel")


def make_client(bundle: Path, access: AccessStore, **auth: Any) -> FlaskClient:
    settings = ApiSettings(
        bundle, access.folder.parent / "logs", auth=AuthSettings(access.folder, **auth)
    )
    return create_app(settings).test_client()


@pytest.fixture
def client(synthetic_bundle: Path, access: AccessStore, token: str) -> FlaskClient:
    return make_client(synthetic_bundle, access)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "o formulário não tem o campo csrf_token"
    return found.group(1)


def log_in(client: FlaskClient, password: str = PASSWORD, next_: str = "/") -> tuple[int, str]:
    form = csrf_of(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login",
        data={"usuario": "maria", "senha": password, "csrf_token": form, "next": next_},
    )
    return answer.status_code, answer.headers.get("Location", "")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- API tokens ------------------------------------------------------------------------------
def test_predict_without_a_token_is_401_with_the_bearer_challenge(client: FlaskClient) -> None:
    answer = client.post("/predict", json=STUDENT)
    assert answer.status_code == 401
    assert "Authorization: Bearer" in answer.get_json()["erro"]
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer dfs_errado",
        "Bearer ",
        "Bearer",
        "Basic bWFyaWE6c2VuaGE=",
        "dfs_sem_esquema",
        "Bearer \u00e7",
        "Bearer Bearer",
    ],
)
def test_a_wrong_token_is_401(client: FlaskClient, header: str) -> None:
    answer = client.post("/predict", json=STUDENT, headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.get_json() == {"erro": "token inválido ou revogado"}


def test_the_right_token_scores_and_is_never_echoed(client: FlaskClient, token: str) -> None:
    answer = client.post("/predict", json=STUDENT, headers=bearer(token))
    assert answer.status_code == 200
    for spelled in (f"bearer {token}", f"Bearer\t{token}", f"BEARER   {token}  "):
        assert (
            client.post("/predict", json=STUDENT, headers={"Authorization": spelled}).status_code
            == 200
        )
    assert answer.get_json()["faixa"] in {"baixo", "médio", "alto"}
    assert token not in answer.get_data(as_text=True)
    assert client.get("/model", headers=bearer(token)).status_code == 200
    assert client.get("/model").status_code == 401


def test_a_revoked_token_is_401_on_the_next_request_without_restart(
    client: FlaskClient, access: AccessStore, token: str
) -> None:
    assert client.post("/predict", json=STUDENT, headers=bearer(token)).status_code == 200
    assert main(["tokens", "revoke", "painel", "--auth", str(access.folder)]) == 0
    answer = client.post("/predict", json=STUDENT, headers=bearer(token))
    assert answer.status_code == 401
    assert answer.get_json() == {"erro": "token inválido ou revogado"}


def test_tokens_from_the_environment_variable_are_accepted(
    synthetic_bundle: Path, access: AccessStore
) -> None:
    first, second = "a" * 20 + "-um", "b" * 20 + "-dois"
    client = make_client(synthetic_bundle, access, env_tokens=f"{first}, {second}")
    for given in (first, second):
        assert client.post("/predict", json=STUDENT, headers=bearer(given)).status_code == 200
    assert client.post("/predict", json=STUDENT, headers=bearer("c" * 24)).status_code == 401


def test_a_short_environment_token_locks_the_server_instead_of_opening_it(
    synthetic_bundle: Path, access: AccessStore
) -> None:
    client = make_client(synthetic_bundle, access, env_tokens="Bearer dfs_" + "x" * 30)
    answer = client.post("/predict", json=STUDENT, headers=bearer("Bearer"))
    assert answer.status_code == 503
    assert "o token n.º 1 tem 6 caractere(s)" in answer.get_json()["erro"]
    assert client.get("/health").status_code == 200


def test_health_and_ready_stay_open_and_metrics_can_be_closed(
    synthetic_bundle: Path, client: FlaskClient, access: AccessStore, token: str
) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/ready").status_code == 200
    assert client.get("/metrics").status_code == 200  # open by default
    closed = make_client(synthetic_bundle, access, metrics_open=False)
    refused = closed.get("/metrics")
    assert refused.status_code == 401
    assert "Bearer" in refused.get_json()["erro"]
    assert closed.get("/metrics", headers=bearer(token)).status_code == 200


def test_a_bearer_token_also_opens_pages_and_needs_no_csrf(
    client: FlaskClient, token: str, synthetic_workbook: Path
) -> None:
    assert client.get("/modelo", headers=bearer(token)).status_code == 200
    answer = client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(synthetic_workbook.read_bytes()), "pede.xlsx")},
        content_type="multipart/form-data",
        headers=bearer(token),
    )
    assert answer.status_code == 303
    assert "/resultado/" in answer.headers["Location"]


# -- web login -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["/", "/modelo", "/monitoring", "/resultado/abc", "/monitoring/relatorio"]
)
def test_a_page_without_login_redirects_to_the_login(client: FlaskClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"/login?next={path}")
    login = client.get(answer.headers["Location"])
    assert login.status_code == 200
    assert "Entrar" in login.get_data(as_text=True)


def test_a_json_client_without_login_gets_401_not_a_login_page(client: FlaskClient) -> None:
    answer = client.post("/monitoring/run", json={})
    assert answer.status_code == 401
    assert answer.get_json() == {"erro": "faça login ou envie um token Bearer"}


def test_login_opens_the_pages_and_returns_where_the_user_was(client: FlaskClient) -> None:
    assert log_in(client, next_="/modelo?x=1") == (303, "/modelo?x=1")
    page = client.get("/modelo")
    assert page.status_code == 200
    assert "maria" in page.get_data(as_text=True)  # who is logged in, beside "Sair"


@pytest.mark.parametrize(
    "target",
    [
        "//mal.example/x",
        "https://mal.example/",
        "/\\mal.example",
        "/\t/mal.example",
        "/\n/mal.example",
        " //mal.example",
        "",
    ],
)
def test_login_never_redirects_to_another_site(client: FlaskClient, target: str) -> None:
    assert log_in(client, next_=target) == (303, "/")


def test_a_wrong_password_is_401_and_says_so(client: FlaskClient) -> None:
    status, _ = log_in(client, password="senha-errada-123")
    assert status == 401
    form = csrf_of(client.get("/login").get_data(as_text=True))
    unknown = {"usuario": "ninguem", "senha": "x" * 12, "csrf_token": form}
    answer = client.post("/login", data=unknown)
    assert answer.status_code == 401
    assert "usuário ou senha incorretos" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 303  # still logged out


def test_logout_ends_the_session(client: FlaskClient) -> None:
    log_in(client)
    form = csrf_of(client.get("/").get_data(as_text=True))
    answer = client.post("/sair", data={"csrf_token": form})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/login?saiu=1")
    assert "sessão encerrada" in client.get("/login?saiu=1").get_data(as_text=True)
    assert client.get("/").status_code == 303


def test_a_removed_user_loses_the_open_session(client: FlaskClient, access: AccessStore) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    access.remove_user("maria")
    assert client.get("/").status_code == 303
    access.add_user("maria", PASSWORD)  # the same name again is not the same session
    assert client.get("/").status_code == 303


def test_a_new_password_ends_the_sessions_opened_before(
    client: FlaskClient, access: AccessStore
) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    access.add_user("maria", "outra-senha-longa", replace=True)
    assert client.get("/").status_code == 303
    assert log_in(client, password="outra-senha-longa")[0] == 303
    assert client.get("/").status_code == 200


def test_the_session_ends_eight_hours_after_the_login_however_used(client: FlaskClient) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    assert "Set-Cookie" not in client.get("/").headers  # a request does not renew the cookie
    with client.session_transaction() as kept:
        kept["entrou_em"] = kept["entrou_em"] - 8 * 3600 - 1
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/login")
    assert "Continue em" in answer.get_data(as_text=True)  # a Portuguese redirect body


def test_session_cookie_is_httponly_lax_and_secure_only_over_https(
    synthetic_bundle: Path, access: AccessStore
) -> None:
    plain = make_client(synthetic_bundle, access)
    log_in(plain)
    cookie = plain.get_cookie("defasagem_sessao")
    assert cookie is not None
    assert (cookie.http_only, cookie.same_site, cookie.secure) == (True, "Lax", False)
    # Behind an HTTPS proxy that says so (X-Forwarded-Proto), the cookie gets Secure.
    proxied = make_client(synthetic_bundle, access, proxies=1)
    proxied.environ_base["HTTP_X_FORWARDED_PROTO"] = "https"
    login = proxied.get("/login")
    cookie = proxied.get_cookie("defasagem_sessao")
    assert login.status_code == 200
    assert cookie is not None
    assert cookie.secure


# -- CSRF ------------------------------------------------------------------------------------
def test_a_form_post_without_csrf_is_400_and_explained(
    client: FlaskClient, synthetic_workbook: Path
) -> None:
    log_in(client)
    answer = client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(synthetic_workbook.read_bytes()), "pede.xlsx")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 400
    assert "proteção contra CSRF" in answer.get_data(as_text=True)
    run = client.post("/monitoring/run", data={"csrf_token": "forjado"})
    assert run.status_code == 400
    assert "proteção contra CSRF" in run.get_data(as_text=True)


def test_the_upload_form_carries_its_csrf_token_and_goes_through(
    client: FlaskClient, synthetic_workbook: Path
) -> None:
    log_in(client)
    form = csrf_of(client.get("/").get_data(as_text=True))
    answer = client.post(
        "/pontuar",
        data={
            "arquivo": (io.BytesIO(synthetic_workbook.read_bytes()), "pede.xlsx"),
            "csrf_token": form,
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    assert client.get(answer.headers["Location"]).status_code == 200


def test_a_login_post_without_csrf_is_400(client: FlaskClient) -> None:
    answer = client.post("/login", data={"usuario": "maria", "senha": PASSWORD})
    assert answer.status_code == 400
    assert "proteção contra CSRF" in answer.get_data(as_text=True)
    assert client.get("/").status_code == 303


# -- failed-login limit ----------------------------------------------------------------------
def test_the_eleventh_failed_login_in_a_minute_is_429(client: FlaskClient) -> None:
    statuses = [log_in(client, password=f"tentativa-{i:04d}")[0] for i in range(10)]
    assert statuses == [401] * 10
    form = csrf_of(client.get("/login").get_data(as_text=True))
    eleventh = client.post(
        "/login", data={"usuario": "maria", "senha": "tentativa-0011", "csrf_token": form}
    )
    assert eleventh.status_code == 429
    assert eleventh.headers["Retry-After"] == "60"
    assert "muitas tentativas" in eleventh.get_data(as_text=True)
    # Even the right password waits: guessing cannot go on.
    assert log_in(client)[0] == 429


def test_successful_logins_do_not_count_toward_the_limit(client: FlaskClient) -> None:
    for _ in range(12):
        assert log_in(client)[0] == 303
        client.post("/sair", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})


# -- damaged access folder -------------------------------------------------------------------
def test_a_corrupt_users_file_closes_the_doors_without_leaking_paths(
    client: FlaskClient, access: AccessStore, token: str
) -> None:
    log_in(client)
    (access.folder / USERS_FILE).write_text("{não é json", encoding="utf-8")
    page = client.get("/modelo")
    assert page.status_code == 503
    assert page.mimetype == "text/html"
    assert "controle de acesso indisponível" in page.get_data(as_text=True)
    assert str(access.folder) not in page.get_data(as_text=True)
    api = client.post("/predict", json=STUDENT, headers=bearer(token))
    assert api.status_code == 503
    assert api.get_json() == {
        "erro": "controle de acesso indisponível; avise quem administra o servidor"
    }
    login = client.get("/login")
    assert (login.status_code, login.mimetype) == (503, "text/html")
    assert client.get("/ready").status_code == 503  # a load balancer takes it out
    assert client.get("/health").status_code == 200
    other = client.application.test_client()
    assert other.post("/login", data={"usuario": "maria", "senha": PASSWORD}).status_code == 503


def test_an_unusable_access_folder_refuses_all_but_health(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("não é pasta", encoding="utf-8")
    settings = ApiSettings(synthetic_bundle, tmp_path / "logs", auth=AuthSettings(blocker / "x"))
    client = create_app(settings).test_client()
    assert client.get("/health").status_code == 200
    answer = client.get("/ready")
    assert answer.status_code == 503
    assert "controle de acesso indisponível" in answer.get_json()["erro"]
    assert client.post("/predict", json=STUDENT).status_code == 503


def test_refusals_and_the_login_page_carry_the_security_headers(client: FlaskClient) -> None:
    answers = [client.get("/login"), client.get("/"), client.post("/predict", json=STUDENT)]
    assert [a.status_code for a in answers] == [200, 303, 401]
    for answer in answers:
        assert answer.headers["Content-Security-Policy"] == CSP
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["X-Frame-Options"] == "DENY"
    assert answers[0].headers["Cache-Control"] == "no-store"


def test_a_megabyte_password_is_refused_without_hashing_it(client: FlaskClient) -> None:
    status, _ = log_in(client, password="x" * 1_000_000)
    assert status == 401
    form = csrf_of(client.get("/login").get_data(as_text=True))
    huge = client.post(
        "/login",
        data={"usuario": "maria", "senha": "x" * 600_000, "csrf_token": form},
        content_type="multipart/form-data",
    )
    assert huge.status_code == 413
    assert "o formulário enviado é grande demais" in huge.get_data(as_text=True)


def test_an_api_call_gets_no_session_cookie(client: FlaskClient, token: str) -> None:
    answer = client.post("/predict", json=STUDENT, headers=bearer(token))
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert client.get_cookie("defasagem_sessao") is None
