#!/usr/bin/env bash
# Bad input as data: tests/cli/cases.json (argv, exit code, error pattern) run by
# tests/cli/run_cases.py against the rig; see that file for what every case must hold.
source "$(dirname "$0")/lib.sh"
use_rig
export XSHIP_TEST_ENDPOINT XSHIP_TEST_BUCKET
python3 "$XSHIP_SOURCE_DIR/tests/cli/run_cases.py" "$XSHIP_BIN" "$XSHIP_SOURCE_DIR/tests/cli/cases.json" "$TMP/cases"
