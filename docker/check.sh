#!/usr/bin/env bash
# make docker-check: prove on this kind of machine (no image registry) that the image builds
# offline and serves. Steps:
#   1. install docker.io and debootstrap if missing;
#   2. start dockerd (--bridge=none --iptables=false) only if none is running;
#   3. without a python:3.11-slim image, build a stand-in from Debian 12 (debootstrap, then
#      docker import) with python, pip, venv and the OpenMP runtime;
#   4. download the wheels on the host (pip download) into docker/wheelhouse/;
#   5. build with the legacy builder and --network none;
#   6. run with --network host (a model is trained from the synthetic workbook at first start),
#      check /health, /ready, one /predict and that the process is not root;
#   7. remove the container and stop what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${DOCKER_CHECK_PORT:-8765}"
IMAGE=defasagem:check
NAME="defasagem-check-$$"
CACHE="${DEFASAGEM_DOCKER_CACHE:-$HOME/.cache/defasagem-docker}"
BIN=.venv/bin
work="$(mktemp -d)"
started_dockerd=""

say() { printf '\n» %s\n' "$*"; }

cleanup() {
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null || true
        wait "$started_dockerd" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"

say "1. docker.io e debootstrap"
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
    $as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq docker.io debootstrap >/dev/null
fi

say "2. dockerd"
if docker info >/dev/null 2>&1; then
    echo "já está rodando; não será parado ao final"
else
    $as_root dockerd --bridge=none --iptables=false >"$work/dockerd.log" 2>&1 &
    started_dockerd=$!
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || { cat "$work/dockerd.log"; echo "erro: dockerd não subiu"; exit 1; }
    echo "iniciado (PID $started_dockerd); será parado ao final"
fi

say "3. imagem base python:3.11-slim"
if docker image inspect python:3.11-slim >/dev/null 2>&1; then
    echo "já existe localmente"
else
    rootfs="$CACHE/rootfs-bookworm"
    if [ ! -x "$rootfs/usr/bin/python3" ]; then
        rm -rf "$rootfs"
        mkdir -p "$CACHE"
        $as_root debootstrap --variant=minbase \
            --include=python3,python3-venv,python3-pip,libgomp1,ca-certificates \
            bookworm "$rootfs" http://deb.debian.org/debian
        $as_root ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
        $as_root ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
        $as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    fi
    $as_root tar -C "$rootfs" -c . | docker import --change 'CMD ["python"]' - python:3.11-slim
    echo "substituta local criada a partir do Debian 12 (Python $("$rootfs/usr/bin/python3" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo 3.11))"
fi

say "4. wheels no host (pip download)"
"$BIN/python" - <<'PY' >"$work/requirements.txt"
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))
print("\n".join([*project["project"]["dependencies"], *project["build-system"]["requires"]]))
PY
"$BIN/pip" download --quiet --only-binary=:all: --dest docker/wheelhouse \
    --requirement "$work/requirements.txt"
echo "$(ls docker/wheelhouse/*.whl | wc -l) wheels em docker/wheelhouse/"

say "5. docker build (construtor legado, --network none)"
build_started=$(date +%s)
DOCKER_BUILDKIT=0 docker build --network none --tag "$IMAGE" . >"$work/build.log" 2>&1 \
    || { tail -40 "$work/build.log"; echo "erro: a imagem não foi construída"; exit 1; }
build_seconds=$(( $(date +%s) - build_started ))
size=$(docker image inspect --format '{{.Size}}' "$IMAGE")
echo "construída em ${build_seconds} s; tamanho $(( size / 1024 / 1024 )) MB"

say "6. docker run --network host (porta $PORT)"
mkdir -p "$work/models" "$work/logs" "$work/acesso"
chown 10001:10001 "$work/models" "$work/logs" "$work/acesso" 2>/dev/null \
    || chmod 777 "$work/models" "$work/logs" "$work/acesso"
# Closed by default: without a user and a token the container must refuse to serve.
if docker run --rm -v "$work/acesso:/acesso" "$IMAGE" defasagem serve --model /models/modelo \
    --logs /logs >"$work/refused.log" 2>&1; then
    echo "erro: o servidor iniciou sem usuário nem token"; exit 1
fi
grep -q "não inicia sem controle de acesso" "$work/refused.log" \
    || { cat "$work/refused.log"; echo "erro: recusa sem a mensagem esperada"; exit 1; }
echo "sem acesso configurado: recusado ($(head -c 80 "$work/refused.log")…)"
token=$(docker run --rm -v "$work/acesso:/acesso" "$IMAGE" defasagem tokens add check --quiet)
docker run --rm -v "$work/acesso:/acesso" "$IMAGE" \
    defasagem users add check --generate-password --quiet >/dev/null
docker run --detach --name "$NAME" --network host -e DEFASAGEM_PORT="$PORT" \
    -v "$work/models:/models" -v "$work/logs:/logs" -v "$work/acesso:/acesso" "$IMAGE" >/dev/null
ready=""
for _ in $(seq 300); do
    if curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1; then ready=1; break; fi
    if [ "$(docker inspect --format '{{.State.Running}}' "$NAME")" != "true" ]; then break; fi
    sleep 1
done
docker logs "$NAME" 2>&1 | grep -E '^defasagem:|Pacote do modelo|Listening' || true
[ -n "$ready" ] || { docker logs "$NAME" 2>&1 | tail -30; echo "erro: /ready não respondeu"; exit 1; }

echo "GET /health: $(curl -fsS "http://127.0.0.1:$PORT/health")"
echo "GET /ready:  $(curl -fsS "http://127.0.0.1:$PORT/ready")"
refused=$(curl -sS -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/predict" \
    -H 'Content-Type: application/json' -d '{"ano": 2024, "fase": 3}')
echo "POST /predict sem token: $refused"
[ "$refused" = "401" ] || { echo "erro: /predict sem token respondeu $refused"; exit 1; }
answer=$(curl -fsS -X POST "http://127.0.0.1:$PORT/predict" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $token" \
    -d '{"ra": "RA-1", "ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "data_nascimento": "2011-05-20", "genero": "Feminino", "ieg": 5.1, "ida": 4.2, "fase_anterior": 2, "ieg_anterior": 7.9}')
echo "POST /predict: $answer"
case "$answer" in *'"probabilidade"'*) ;; *) echo "erro: /predict sem probabilidade"; exit 1 ;; esac
uid=$(docker exec "$NAME" id -u)
echo "uid do processo no contêiner: $uid"
[ "$uid" != "0" ] || { echo "erro: o contêiner roda como root"; exit 1; }
health=$(docker inspect --format '{{.State.Health.Status}}' "$NAME")
echo "HEALTHCHECK: $health"

say "docker-check passou: imagem $IMAGE, ${build_seconds} s de build, $(( size / 1024 / 1024 )) MB"
