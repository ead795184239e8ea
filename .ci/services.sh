# Services the tests need; `source`d by .ci/run (bash, set -euo pipefail), before the
# project's venv exists. Starts an Oxigraph SPARQL server on loopback with its data in a
# temporary folder, waits until it answers, and exports KG_TEST_GRAPH_URL for
# tests/test_external_store.py. The server is stopped when the sourcing shell exits.

kg_oxigraph_version="0.5.13"
kg_services_dir="$(mktemp -d "${TMPDIR:-/tmp}/kg-services.XXXXXX")"

kg_oxigraph_bin() {
  if command -v oxigraph >/dev/null 2>&1 \
      && [ "$(oxigraph --version 2>/dev/null)" = "oxigraph ${kg_oxigraph_version}" ]; then
    command -v oxigraph
    return
  fi
  # its own venv: the system Python may refuse pip installs (PEP 668)
  python3 -m venv "${kg_services_dir}/venv" >&2
  "${kg_services_dir}/venv/bin/pip" install -q "oxigraph==${kg_oxigraph_version}" >&2
  echo "${kg_services_dir}/venv/bin/oxigraph"
}

kg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

kg_services_stop() {
  if [ -n "${KG_OXIGRAPH_PID:-}" ] && kill -0 "${KG_OXIGRAPH_PID}" 2>/dev/null; then
    kill "${KG_OXIGRAPH_PID}" 2>/dev/null || true
    wait "${KG_OXIGRAPH_PID}" 2>/dev/null || true
  fi
  rm -rf "${kg_services_dir}"
}

kg_oxigraph="$(kg_oxigraph_bin)"
kg_oxigraph_port="$(kg_free_port)"
mkdir -p "${kg_services_dir}/oxigraph"
"${kg_oxigraph}" serve --location "${kg_services_dir}/oxigraph" \
  --bind "127.0.0.1:${kg_oxigraph_port}" --timeout-s 30 \
  >"${kg_services_dir}/oxigraph.log" 2>&1 &
KG_OXIGRAPH_PID=$!
trap kg_services_stop EXIT

kg_ready=""
for _ in $(seq 1 100); do
  if python3 - "${kg_oxigraph_port}" <<'PY' 2>/dev/null
import sys, urllib.parse, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/query?" + urllib.parse.urlencode({"query": "ASK {}"})
with urllib.request.urlopen(url, timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
PY
  then
    kg_ready=1
    break
  fi
  if ! kill -0 "${KG_OXIGRAPH_PID}" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
if [ -z "${kg_ready}" ]; then
  echo "services.sh: Oxigraph did not start on port ${kg_oxigraph_port}:" >&2
  cat "${kg_services_dir}/oxigraph.log" >&2 || true
  return 1 2>/dev/null || exit 1
fi
export KG_TEST_GRAPH_URL="http://127.0.0.1:${kg_oxigraph_port}"
echo "services.sh: Oxigraph ${kg_oxigraph_version} at ${KG_TEST_GRAPH_URL} (data in ${kg_services_dir})" >&2
