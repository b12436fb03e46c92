#!/usr/bin/env bash
# The clients as another project uses them: packs @tierline/client, installs the tarball in a scratch
# project outside the repository, compiles scripts/client-smoke-example.ts there with the repository's
# TypeScript and runs it against a service started with `npm start` (embedded PGlite in a scratch data
# directory, on a free port), then runs the Python block of docs/clients.md with Debian's python3 against it.
# Stops the service it started and removes the scratch directory, whatever happens.
#   npm run client:smoke        (needs the build: npm ci / npm run build)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/tierline-client-smoke.XXXXXX")"
service_pid=""

stop_service() {
  [ -n "$service_pid" ] || return 0
  if kill -0 "$service_pid" 2>/dev/null; then
    # SIGTERM to npm reaches the server (npm start execs node), which drains and exits.
    kill -TERM "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # Whatever is left of the process group this script started (setsid made it its own).
  kill -KILL -- "-$service_pid" 2>/dev/null || true
  service_pid=""
}
cleanup() {
  local code=$?
  stop_service
  if [ "$code" -ne 0 ] && [ -f "$scratch/service.log" ]; then
    echo "-- service log (last 40 lines)"; tail -n 40 "$scratch/service.log"
  fi
  rm -rf "$scratch"
  exit "$code"
}
trap cleanup EXIT INT TERM

echo "== packing @tierline/client"
tarball="$(npm pack --silent --workspace @tierline/client --pack-destination "$scratch" | tail -n 1)"
echo "   $tarball"

echo "== installing it in a scratch project ($scratch/consumer)"
mkdir -p "$scratch/consumer"
cd "$scratch/consumer"
printf '{ "name": "tierline-client-smoke", "private": true, "type": "module" }\n' > package.json
npm install --silent --offline --no-audit --no-fund "$scratch/$tarball"
[ -f node_modules/@tierline/client/dist/index.d.ts ] || { echo "the tarball has no type declarations"; exit 1; }
[ ! -e node_modules/@tierline/client/src ] || { echo "the tarball ships its sources"; exit 1; }
cp "$repo/scripts/client-smoke-example.ts" example.ts
node "$repo/node_modules/typescript/bin/tsc" --strict --target es2022 --module nodenext --moduleResolution nodenext \
  --lib es2022,dom --typeRoots "$repo/node_modules/@types" --types node --outDir out example.ts

port="$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
url="http://127.0.0.1:$port"
echo "== starting the service: npm start on $url (PGlite in $scratch/data)"
cd "$repo"
PORT="$port" HOST=127.0.0.1 TIERLINE_DATA_DIR="$scratch/data" LOG_LEVEL=warn setsid npm start > "$scratch/service.log" 2>&1 < /dev/null &
service_pid=$!
for i in $(seq 1 300); do
  curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && break
  kill -0 "$service_pid" 2>/dev/null || { echo "the service exited before it was ready"; exit 1; }
  [ "$i" -lt 300 ] || { echo "the service was not ready within 300 s"; exit 1; }
  sleep 1
done
echo "   ready after ${i} s"

echo "== TypeScript example"
(cd "$scratch/consumer" && TIERLINE_URL="$url" node out/example.js)

echo "== the Python example of docs/clients.md"
python="${PYTHON:-/usr/bin/python3}"
[ -x "$python" ] || python=python3
block="$("$python" - "$repo/docs/clients.md" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text[text.index("## Python, plain HTTP"):]
print(re.search(r"```python\n(.*?)```", section, re.S).group(1))
EOF
)"
out="$("$python" -c "${block//http:\/\/127.0.0.1:8787/$url}")"
echo "   $out"
[[ "$out" =~ ^[a-z_-]+\ [^\ ]+\ [a-z_]+$ ]] || { echo "unexpected output from the Python example"; exit 1; }

stop_service
echo "client smoke: the TypeScript and the Python example passed"
