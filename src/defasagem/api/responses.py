"""Answers every page shares: a Portuguese error page and a Portuguese 303."""

from __future__ import annotations

from flask import Response, render_template
from markupsafe import escape


def page_error(message: str, status: int) -> Response:
    """An error as a page in Portuguese, with the menu (never JSON or a trace)."""
    html = render_template("error.html", message=message, status=status)
    return Response(html, status, mimetype="text/html")


def see_other(url: str) -> Response:
    """A 303 to ``url`` with a Portuguese body (Flask's own redirect page is in English)."""
    shown = escape(url)
    body = f'<!doctype html><html lang="pt-BR"><p>Continue em <a href="{shown}">{shown}</a>.</p>'
    return Response(body, status=303, headers={"Location": url}, mimetype="text/html")
