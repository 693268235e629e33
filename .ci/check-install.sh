#!/usr/bin/env bash
# The CLI as its users get it: `npm pack`, `npm install -g` of the tarball into a fresh prefix, then
# `cleartrail --help`, `analyze DIR` and `report` in a folder outside the repository, on the
# system's Node (20) and on Node 24; then the embedded-store tests on Node 24.
#   .ci/check-install.sh [--no-node24-tests]
# Node 24 comes from the npm registry (the `node` package) into the temp folder, never into the
# project: as a dependency it would shadow the system node in every npm script.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RUN_NODE24_TESTS=true
[ "${1:-}" = "--no-node24-tests" ] && RUN_NODE24_TESTS=false

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cleartrail-install.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "npm pack (prepare builds dist/)"
npm pack --pack-destination "$TMP" --silent >/dev/null
TARBALL=$(ls "$TMP"/cleartrail-*.tgz)
echo "packed $(basename "$TARBALL"): $(tar -tzf "$TARBALL" | wc -l) files"

echo "npm install -g into a fresh prefix"
npm install -g --prefix "$TMP/prefix" --no-audit --no-fund --loglevel=error "$TARBALL"

echo "node@24 from the registry, into the temp folder"
npm install --prefix "$TMP/node24" --no-save --no-audit --no-fund --loglevel=error node@24
NODE24_DIR="$TMP/node24/node_modules/node/bin"
"$NODE24_DIR/node" --version | grep -q '^v24\.' || { echo "node@24 did not install a Node 24 binary"; exit 1; }

cp -r "$REPO/events/logs" "$TMP/logs"

# Runs the installed CLI with the given node first on PATH, from a folder outside the repository.
check_cli() {
  local node_dir=$1 work="$TMP/work-$2"
  mkdir -p "$work"
  (
    cd "$work"
    export PATH="$TMP/prefix/bin:$node_dir:$PATH"
    echo "-- $(node --version): cleartrail from $(command -v cleartrail), in $work"
    cleartrail --help | grep -q '^Usage:'
    cleartrail analyze "$TMP/logs" >analyze.txt
    grep -Eq '^acme-data +10 +0 +5 ' analyze.txt || { cat analyze.txt; echo "analyze: unexpected table"; exit 1; }
    cleartrail report --json >report.json
    node -e '
      const { buckets } = JSON.parse(require("node:fs").readFileSync("report.json", "utf8"));
      const data = buckets.find((b) => b.bucket === "acme-data");
      if (buckets.length !== 5 || data?.http !== 10 || data?.https !== 5) {
        console.error("report: unexpected counts", JSON.stringify(buckets));
        process.exit(1);
      }'
    echo "ok: --help, analyze and report on $(node --version)"
  )
}

check_cli "$(dirname "$(command -v node)")" system
check_cli "$NODE24_DIR" node24

if [ "$RUN_NODE24_TESTS" = true ]; then
  echo "embedded-store tests on $(PATH="$NODE24_DIR:$PATH" node --version)"
  PATH="$NODE24_DIR:$PATH" npx vitest run test/contract/embedded.test.ts test/integration/embedded-store.test.ts \
    test/integration/cli.test.ts
fi
