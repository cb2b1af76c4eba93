#!/usr/bin/env bash
# xxhash from Debian's source package through the Make fragment (examples/debian/xxhash):
# upstream's in-tree Makefile, `make check` and its shell-script tests running ./xxhsum
# directly under qemu and wine (binfmt_misc). The archives are fetched back, and xxhsum
# run from each unpacked tree must hash a file exactly as the host's does: the big-endian
# s390x build included.
source "$(dirname "$0")/lib.sh"
use_real
export SOURCE_DATE_EPOCH=1700000000 XSHIP_VERSION=0.8.1

real_source xxhash "$TMP/xxh"
cp "$XSHIP_SOURCE_DIR/examples/debian/xxhash/ci.mk" "$TMP/xxh/"
cd "$TMP/xxh"
make --no-print-directory -f ci.mk deps test build publish XSHIP_TARGETS="$REAL_TARGETS" \
  XSHIP_TO="s3://$BUCKET/$PREFIX" XSHIP_ENDPOINT="$ENDPOINT" >"$TMP/make.log" 2>&1 || fail "make: $(tail -40 "$TMP/make.log")"
all_passed "$TMP/make.log"  # make check, and test-xxhsum-c on linux
[[ ! -e xxhash.o && ! -e xxhsum ]] || fail "the build wrote into the source tree"
ok "the source tree is as fetched"
# Incremental, and with xxhash's own `CFLAGS ?= -O3` (xship exports no CFLAGS of its own):
# one touched source, rebuilt for arm64 with the commands shown (V=1 reaches xxhash's make).
sleep 1 && touch cli/xsum_os_specific.c
make --no-print-directory -f ci.mk build XSHIP_TARGETS=linux/arm64 V=1 >"$TMP/make2.log" 2>&1 || fail "rebuild: $(tail -20 "$TMP/make2.log")"
log=build/xship/linux_arm64/xship.log
grep -q 'source copy .*: 1 copied' "$log" || fail "the copy was not refreshed incrementally: $(grep 'source copy' "$log")"
compiles=$(grep -c 'aarch64-linux-gnu-gcc.* -c ' "$log" || true)
assert_eq "$compiles" 1 "one file recompiled"
grep 'aarch64-linux-gnu-gcc.* -c ' "$log" | grep -q -- '-O3' || fail "xxhsum.c was not compiled with xxhash's own -O3: $(grep -- ' -c ' "$log")"
ok "with the Makefile's own CFLAGS default"

get_manifest
assert_eq "$(jq -r '[.files[] | select(.kind == "archive") | .target] | sort | join(" ")' "$TMP/manifest.json")" \
  "linux/amd64 linux/arm64 linux/s390x windows/amd64" "manifest: one archive per target"

head -c 3000000 /dev/urandom >"$TMP/data.bin"
# The four builds must agree on every hash; amd64's (native) is the reference.
want=""
for t in $REAL_TARGETS; do
  d=$TMP/got/${t/\//_}
  fetch_release "$PREFIX" "$t" "$d"
  cp "$TMP/data.bin" "$d/"
  got=$(run_clean "$t" "$d" xxhsum -H2 data.bin | cut -d' ' -f1)
  [[ $got =~ ^[0-9a-f]{32}$ ]] || fail "$t: xxhsum printed no XXH128: '$got'"
  [[ -n $want ]] || want=$got
  assert_eq "$got" "$want" "$t: xxhsum (XXH128) from the unpacked release agrees with amd64's"
done
