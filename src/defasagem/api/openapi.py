"""The OpenAPI 3.1 document of the API, generated from the pydantic schemas (never written by
hand, so it cannot drift from what the server accepts)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from defasagem import __version__
from defasagem.features import DESCRIPTIONS
from defasagem.validation.record_schema import Batch, StudentRecord

# A complete, valid request: every field filled with a plausible value (a test posts it).
EXAMPLE_STUDENT: dict[str, Any] = {
    "ra": "RA-1234",
    "ano": 2024,
    "fase": "FASE 3",
    "fase_ideal": "Fase 4 (9° ano)",
    "defasagem": -1,
    "idade": 13,
    "data_nascimento": "2011-05-20",
    "ano_nascimento": 2011,
    "genero": "Feminino",
    "ano_ingresso": 2021,
    "instituicao_ensino": "Escola Pública",
    "n_avaliacoes": 3,
    "iaa": 8.3,
    "ieg": 6.4,
    "ips": 7.5,
    "ida": 5.2,
    "ipp": 6.9,
    "ipv": 7.1,
    "inde": 6.6,
    "nota_mat": 4.8,
    "nota_port": 5.9,
    "nota_ing": 6.0,
    "fase_anterior": 2,
    "defasagem_anterior": -1,
    "iaa_anterior": 8.0,
    "ieg_anterior": 7.9,
    "ips_anterior": 7.5,
    "ida_anterior": 5.8,
    "ipv_anterior": 7.3,
    "inde_anterior": 7.0,
}
_PROBLEMS = {
    "type": "object",
    "properties": {
        "erros": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "campo": {"type": "string", "examples": ["ieg"]},
                    "valor": {"examples": [11]},
                    "motivo": {"type": "string", "examples": ["deve ser no máximo 10,05"]},
                },
                "required": ["campo", "motivo"],
            },
        }
    },
}
_RESULT = {
    "type": "object",
    "properties": {
        "ra": {"type": "string"},
        "probabilidade": {"type": "number", "minimum": 0, "maximum": 1},
        "faixa": {"enum": ["alto", "médio", "baixo"]},
        "sinalizado": {"type": "boolean", "description": "probabilidade ≥ limiar da política"},
        "posicao": {"type": "integer", "description": "posição no pedido, 1 = maior risco"},
        "total": {"type": "integer"},
        "motivos": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "variavel": {"type": "string"},
                    "descricao": {"type": "string"},
                    "valor": {"type": "string"},
                    "contribuicao": {"type": "number"},
                    "texto": {"type": "string"},
                },
            },
        },
        "imputados": {"type": "array", "items": {"type": "string"}},
    },
}


# What each request field is, for the spec and the docs page (features reuse DESCRIPTIONS).
FIELD_DESCRIPTIONS = {
    **DESCRIPTIONS,
    "ra": "RA do aluno (opcional; só é registrado no log se enviado)",
    "ano": "Ano da avaliação PEDE (t); o risco é para t+1",
    "fase": "Fase em t: 0 (ALFA) a 7, ou o rótulo da planilha (ALFA, FASE 3, 3A)",
    "fase_ideal": "Fase Ideal em t: número ou rótulo ('Fase 4 (9° ano)')",
    "defasagem": "Fase − Fase Ideal em t (calculada se ausente e houver Fase Ideal)",
    "idade": "Idade em t (4 a 30)",
    "data_nascimento": "Data de nascimento (AAAA-MM-DD): dá a Fase Ideal do ano que vem",
    "ano_nascimento": "Ano de nascimento (quando não há a data)",
    "ano_ingresso": "Ano de ingresso no programa",
    "instituicao_ensino": "Instituição de ensino, como na planilha (ex.: Escola Pública)",
    "fase_anterior": "Fase no ano anterior (indica que o aluno foi avaliado em t−1)",
}


def openapi_document() -> dict[str, Any]:
    """The whole document."""
    _, schemas = models_json_schema(
        [(StudentRecord, "validation"), (Batch, "validation")],
        ref_template="#/components/schemas/{model}",
    )
    for name, prop in schemas["$defs"]["StudentRecord"]["properties"].items():
        prop["description"] = FIELD_DESCRIPTIONS.get(name, prop.get("description", ""))
    json_body = {
        "oneOf": [
            {"$ref": "#/components/schemas/StudentRecord"},
            {"$ref": "#/components/schemas/Batch"},
        ]
    }
    answers = {
        "400": _text("corpo que não é JSON", _PROBLEMS),
        "413": _text("corpo ou lote grande demais", _PROBLEMS),
        "415": _text("Content-Type diferente de application/json", {"type": "object"}),
        "422": _text("campos inválidos: todos listados", _PROBLEMS),
        "503": _text("modelo não carregado", {"type": "object"}),
    }
    refused = {"401": _text("falta o token, ou ele está errado ou revogado", {"type": "object"})}
    bearer: list[dict[str, list[str]]] = [{"token": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "defasagem — alerta de defasagem no ano seguinte",
            "version": __version__,
            "description": (
                "Estima, para cada aluno, a probabilidade de estar atrás da Fase Ideal no ano "
                "seguinte, a partir da avaliação PEDE do ano atual (Associação Passos Mágicos)."
            ),
        },
        "paths": {
            "/health": {"get": _get("o processo está vivo")},
            "/ready": {"get": _get("200 com a versão do modelo; 503 com o motivo")},
            "/model": {
                "get": {
                    **_get("metadados e métricas do modelo"),
                    "security": bearer,
                }
            },
            "/metrics": {"get": _get("métricas Prometheus (texto); com --private-metrics, token")},
            "/predict": {
                "post": {
                    "summary": 'Pontua um aluno, ou {"students": [...]} em lote',
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": json_body,
                                "examples": {
                                    "um_aluno": {"value": EXAMPLE_STUDENT},
                                    "lote": {"value": {"students": [EXAMPLE_STUDENT]}},
                                },
                            }
                        },
                    },
                    "security": bearer,
                    "responses": {
                        "200": _text("aluno(s) pontuado(s)", _RESULT),
                        **refused,
                        **answers,
                    },
                }
            },
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Token criado com 'defasagem tokens add NOME' "
                    "(cabeçalho Authorization: Bearer <token>).",
                }
            },
        },
    }


def _get(description: str) -> dict[str, Any]:
    return {"summary": description, "responses": {"200": {"description": description}}}


def _text(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}
