"""The API's documentation page, rendered on the server from the OpenAPI document: no
JavaScript and no CDN (the NGO may be offline), one local stylesheet."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from defasagem.api.openapi import EXAMPLE_STUDENT


def _limits(prop: dict[str, Any]) -> str:
    options = prop.get("anyOf", [prop])
    parts = []
    for option in options:
        kind = option.get("type")
        if kind == "null":
            continue
        text = str(kind or "")
        if "enum" in option:
            text = " | ".join(json.dumps(v, ensure_ascii=False) for v in option["enum"])
        if "minimum" in option or "maximum" in option:
            text += f" ({option.get('minimum', '')} a {option.get('maximum', '')})".replace(
                ".", ","
            )
        if option.get("format") == "date":
            text = "data AAAA-MM-DD"
        parts.append(text)
    return " ou ".join(p for p in parts if p)


def docs_page(document: dict[str, Any]) -> str:
    """The HTML page."""
    record = document["components"]["schemas"]["StudentRecord"]
    required = set(record.get("required", []))
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(_limits(prop))}</td>"
        f"<td>{'sim' if name in required else 'não'}</td>"
        f"<td>{escape(prop.get('description', ''))}</td></tr>"
        for name, prop in record["properties"].items()
    )
    paths = "".join(
        f"<li><code>{escape(method.upper())} {escape(path)}</code> — "
        f"{escape(spec.get('summary', ''))}{' (exige o token)' if 'security' in spec else ''}</li>"
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    )
    example = escape(json.dumps(EXAMPLE_STUDENT, ensure_ascii=False, indent=2))
    return f"""<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API defasagem — documentação</title>
<link rel="stylesheet" href="/static/docs.css"></head>
<body><main>
<h1>{escape(document["info"]["title"])}</h1>
<p>{escape(document["info"]["description"])}</p>
<p>Especificação completa: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Rotas</h2><ul>{paths}</ul>
<h2>Acesso</h2>
<p>As rotas que exigem o token recebem o cabeçalho <code>Authorization: Bearer &lt;token&gt;</code>;
sem ele, ou com um token errado ou revogado, a resposta é 401. Quem administra o servidor cria um
token por sistema cliente com <code>defasagem tokens add NOME</code> e o revoga com
<code>defasagem tokens revoke NOME</code>.</p>
<h2>Campos de um aluno (<code>POST /predict</code>)</h2>
<p>Envie um aluno, ou <code>{{"students": [...]}}</code> para um lote. Campos desconhecidos,
valores fora dos limites e tipos errados (texto no lugar de número, verdadeiro/falso) são
recusados com 422 e a lista de todos os problemas.</p>
<table><thead><tr><th>campo</th><th>tipo e limites</th><th>obrigatório</th><th>o que é</th></tr>
</thead><tbody>{rows}</tbody></table>
<h2>Exemplo de pedido</h2>
<pre>curl -X POST http://localhost:8000/predict -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d @aluno.json</pre>
<pre>{example}</pre>
</main></body></html>
"""
