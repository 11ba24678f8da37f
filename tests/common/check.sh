# tests/common/check.sh - the pass/fail bookkeeping of the shell test
# scripts (tests/install, tests/lean, tests/header), sourced by them.
#   check NAME COMMAND...  runs COMMAND; prints "ok   NAME" or "FAIL NAME"
#                          and, on failure, COMMAND's indented output
#   check_summary          prints "N passed, N failed"; status 1 on failure
# COMMAND's output goes to $CHECK_LOG (set it before the first check).
passed=0
failed=0
check() {
    local name=$1
    shift
    if "$@" >"$CHECK_LOG" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/     /' "$CHECK_LOG"
    fi
}
check_summary() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
