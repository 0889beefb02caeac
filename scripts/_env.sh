# Shared by scripts/demo and scripts/test: a venv with the project, and Redis/PostgreSQL up.
# Sourced, not run. Installs only what the project needs; safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
STAMP=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$STAMP" ]; then
  echo "==> installing scrm-bot and its dev tools into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*; touch "$STAMP"
fi

need_root() { [ "$(id -u)" = 0 ] || { echo "need root to install $1; install it and re-run" >&2; return 1; }; }

ensure_redis() {
  if .venv/bin/python - <<'PY' 2>/dev/null; then return 0; fi
import socket; socket.create_connection(("127.0.0.1", 6379), 1).close()
PY
  if ! command -v redis-server >/dev/null; then
    need_root redis-server && { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
  fi
  echo "==> starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/scrm-redis.log
  for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "Redis could not be started: scrm-bot needs Redis at SCRM_REDIS_URL (see README)" >&2
  return 1
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "==> starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.2; done
  fi
  echo "PostgreSQL is not reachable at 127.0.0.1:5432 (trust auth expected)" >&2
  return 1
}

# Posters need a CJK font; Debian's fonts-wqy-microhei is small (5 MB).
ensure_chromium() {
  # The admin/sidebar e2e tests drive Debian's Chromium (never a browser a tool downloads).
  [ -x /usr/bin/chromium ] && return 0
  if need_root chromium; then
    echo "==> installing Debian's chromium and chromium-driver (browser tests)"
    apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq chromium chromium-driver >/dev/null; }
  else
    echo "browser tests need /usr/bin/chromium: apt-get install chromium chromium-driver" >&2
  fi
}

ensure_cjk_font() {
  for f in /usr/share/fonts/truetype/wqy/wqy-microhei.ttc /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc \
           /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc; do
    [ -f "$f" ] && return 0
  done
  if [ -n "${SCRM_POSTER_FONT:-}" ] && [ -f "$SCRM_POSTER_FONT" ]; then return 0; fi
  if need_root fonts-wqy-microhei; then
    echo "==> installing fonts-wqy-microhei (CJK font for posters)"
    apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && apt-get install -y -qq fonts-wqy-microhei >/dev/null; }
  else
    echo "posters need a CJK font: install fonts-wqy-microhei or set SCRM_POSTER_FONT" >&2
  fi
}
