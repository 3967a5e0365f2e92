#!/usr/bin/env bash
# `make lint`: the static checks CI runs before the tests. Each prints `file:line: ...` for what
# it finds; the script runs them all and exits 1 if any failed.
#   1. module rules (scripts/check_module_rules.py, after its --self-test): who may include whom,
#      Boost.Asio/Beast only in the .cc files of http/ and cli/, no file under src/ over 800 lines
#   2. cppcheck over src/ (suppressions with their reasons: scripts/cppcheck-suppressions.txt)
#   3. clang-format --dry-run -Werror over src/ tests/ bench/ (.clang-format); LINT_FORMAT=0 skips it
#      until the one-time reformat (`make format`) has landed.
# It installs nothing: the tools come from scripts/install-deps.sh (`make deps`).
# Options (environment): LINT_FORMAT=0 skips 3; LINT_JOBS (default 2) is cppcheck's -j.
set -uo pipefail
cd "$(dirname "$0")/.."

LINT_FORMAT="${LINT_FORMAT:-1}"
LINT_JOBS="${LINT_JOBS:-2}"
failed=()
timings=()

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "lint: $1 is not installed; run \`make deps\` (scripts/install-deps.sh installs it)" >&2
    return 1
  fi
}

# step NAME COMMAND...: runs one check, times it, records a failure.
step() {
  local name=$1
  shift
  echo "== lint: $name"
  local start end rc
  start=$(date +%s.%N)
  "$@"
  rc=$?
  end=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  timings+=("$name ${secs}s")
  if [ "$rc" -ne 0 ]; then
    echo "== lint: $name FAILED (${secs}s)" >&2
    failed+=("$name")
  else
    echo "== lint: $name passed (${secs}s)"
  fi
}

module_rules() {
  need python3 || return 1
  python3 scripts/check_module_rules.py --self-test || return 1
  python3 scripts/check_module_rules.py
}

cppcheck_src() {
  need cppcheck || return 1
  # --std=c++20: the newest cppcheck 2.10 accepts (the code is C++23).
  cppcheck --language=c++ --std=c++20 \
    --enable=warning,performance,portability \
    --inline-suppr --suppressions-list=scripts/cppcheck-suppressions.txt \
    --error-exitcode=1 -I src -j "$LINT_JOBS" --quiet \
    --template='{file}:{line}: {severity}: {message} [{id}]' \
    src
}

format_check() {
  need clang-format || return 1
  local version
  version=$(clang-format --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
  if [ "$version" != "14" ]; then
    echo "lint: warning: clang-format $version; .clang-format is tuned for 14 (Debian 12), other versions may disagree" >&2
  fi
  local files=()
  mapfile -t files < <(find src tests bench \( -name '*.h' -o -name '*.cc' \) -type f | LC_ALL=C sort)
  # clang-format prints `file:line:col: error: code should be clang-formatted` and the source line
  # for every place it would change; keep the first, which name the place.
  local out rc
  out=$(clang-format --dry-run -Werror --style=file "${files[@]}" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ]; then
    grep -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning)' <<<"$out" >&2 || echo "$out" >&2
    local places nfiles
    places=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: error' <<<"$out")
    nfiles=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: error' <<<"$out" | cut -d: -f1 | sort -u | wc -l)
    echo "lint: clang-format: $places place(s) in $nfiles file(s) are not formatted; \`make format\` fixes them" >&2
    return 1
  fi
}

step "module rules" module_rules
step "cppcheck" cppcheck_src
if [ "$LINT_FORMAT" = "0" ]; then
  echo "== lint: clang-format skipped (LINT_FORMAT=0)"
  timings+=("clang-format skipped")
else
  step "clang-format" format_check
fi

echo "lint: timings: $(IFS=';'; echo "${timings[*]}")"
if [ ${#failed[@]} -ne 0 ]; then
  echo "lint: FAILED: $(IFS=','; echo "${failed[*]}")" >&2
  exit 1
fi
echo "lint: OK"
