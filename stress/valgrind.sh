#!/usr/bin/env bash
# Runs stress/valgrind-workload.js under valgrind's memcheck and reports the errors whose stack
# has a frame in corepool's .node. Exits 1 if there is any. Usage: npm run valgrind
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 2; }
addon=$(ls corepool.*.node | head -1)
log=$(mktemp /tmp/corepool-valgrind.XXXXXX)
# Node's own JIT and allocator are not what we check: --jitless keeps V8's generated code out of
# the way, and the log is filtered to errors that pass through corepool's .node.
status=0
valgrind --error-exitcode=1 --leak-check=no --track-origins=no --log-file="$log" \
  node --jitless stress/valgrind-workload.js || status=$?
errors_total=$(grep -c '^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|Mismatched\|overlap\|Syscall param\)' "$log" || true)
ours=$(awk -v addon="$addon" '
  /^==[0-9]+== [A-Z]/ && /Invalid|uninitialised|Mismatched|overlap|Syscall param/ { if (block && hit) n++; block=1; hit=0; next }
  /^==[0-9]+== *$/ { if (block && hit) n++; block=0; hit=0; next }
  block && index($0, addon) { hit=1 }
  END { if (block && hit) n++; print n+0 }' "$log")
echo "valgrind exit status: $status"
echo "errors in the whole process: $errors_total"
echo "errors with a frame in $addon: $ours"
grep 'ERROR SUMMARY' "$log" | tail -1
echo "log: $log"
[ "$ours" -eq 0 ]
