#!/bin/sh
# Start the API (gunicorn), closed by default: users and tokens come from /acesso
# (DEFASAGEM_AUTH_DIR), created with `defasagem users add` and `defasagem tokens add`. The models
# live in /models/modelo, one folder per version and a pointer to the current one (a training
# adds a challenger; `defasagem models promote` switches every worker without a restart). With
# no model yet, train first: from the PEDE files mounted in /data when there are any, else from
# a synthetic workbook; the log says which.
set -eu
# A command given to `docker run IMAGE ...` runs instead of the server (e.g. defasagem users add).
if [ "$#" -gt 0 ]; then
    exec "$@"
fi
# DEFASAGEM_MODEL_DIR: another folder of the volume (e.g. /models/modelos).
models="${DEFASAGEM_MODEL_DIR:-/models/modelo}"
if [ ! -f "$models/current" ] && [ ! -f "$models/metadata.json" ]; then
    set --
    for file in /data/*.xlsx /data/*.csv; do
        [ -f "$file" ] && set -- "$@" --data "$file"
    done
    if [ "$#" -gt 0 ]; then
        echo "defasagem: /models vazio; treinando com os arquivos PEDE montados em /data: $*"
    else
        echo "defasagem: /models vazio e nenhum arquivo em /data; treinando com a planilha sintética"
        defasagem synth --out /tmp/pede_sintetico.xlsx --seed 42
        set -- --data /tmp/pede_sintetico.xlsx
    fi
    defasagem train "$@" --out "$models" --config /opt/defasagem/configs/training.toml
    rm -f /tmp/pede_sintetico.xlsx
else
    echo "defasagem: usando o modelo em $models"
fi
# The database: DEFASAGEM_DATABASE_URL (PostgreSQL) when set, else SQLite in /logs; serve
# migrates it before the workers start.
exec defasagem serve --model "$models" --logs /logs --host 0.0.0.0 \
    --port "${DEFASAGEM_PORT}" --workers "${DEFASAGEM_WORKERS}" \
    --interventions /opt/defasagem/configs/acompanhamento.toml
