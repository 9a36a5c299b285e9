#!/usr/bin/env bash
# Kept for old instructions: the install lives in scripts/install-invest (idempotent, ~3.5 min
# from scratch on 2 cores, 0.3 s when bench/.invest-venv already has InVEST).
exec "$(dirname "$0")/../scripts/install-invest" "$@"
