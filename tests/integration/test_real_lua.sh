#!/usr/bin/env bash
# Lua 5.4 from Debian's source package, shipped as its users would: upstream's Makefile,
# which builds in its source tree and sets CC/AR/RANLIB itself, driven by the ci.mk in
# examples/debian/lua5.4 through the Make fragment, for linux amd64/arm64/s390x and
# windows/amd64. Its tests (`make test` runs ./lua) run the foreign programs directly
# (binfmt_misc). The archives go to the rig, come back with `fetch --target --extract`, and
# lua and luac run from the unpacked tree alone. Two clean builds give the same archives.
source "$(dirname "$0")/lib.sh"
use_real
export SOURCE_DATE_EPOCH=1700000000 XSHIP_VERSION=5.4.4

real_source lua5.4 "$TMP/lua"
cp "$XSHIP_SOURCE_DIR/examples/debian/lua5.4/ci.mk" "$TMP/lua/"
cd "$TMP/lua"
make --no-print-directory -f ci.mk deps test build publish XSHIP_TARGETS="$REAL_TARGETS" \
  XSHIP_TO="s3://$BUCKET/$PREFIX" XSHIP_ENDPOINT="$ENDPOINT" >"$TMP/make.log" 2>&1 || fail "make: $(tail -40 "$TMP/make.log")"
ok "make -f ci.mk deps test build publish: 4 targets"
all_passed "$TMP/make.log"  # make test runs ./lua directly: qemu and wine through binfmt_misc
[[ ! -e src/lua.o && ! -e src/lua ]] || fail "the build wrote into the source tree"
ok "the source tree has no objects: each target built in its own copy"

# The archives: GoReleaser's names, programs executable inside, README and doc beside them.
ls dist | sort >"$TMP/dist"
assert_eq "$(paste -sd' ' "$TMP/dist")" \
  "lua_5.4.4_linux_amd64.tar.gz lua_5.4.4_linux_arm64.tar.gz lua_5.4.4_linux_s390x.tar.gz lua_5.4.4_windows_amd64.zip" "dist"
tar tvzf dist/lua_5.4.4_linux_s390x.tar.gz >"$TMP/s390x.list"
grep -Eq '^-rwxr-xr-x 0/0 .* lua$' "$TMP/s390x.list" || fail "lua not executable in the archive: $(cat "$TMP/s390x.list")"
grep -Eq '^-rwxr-xr-x 0/0 .* luac$' "$TMP/s390x.list" || fail "luac missing"
grep -Eq ' 2023-11-14 22:13 README$' "$TMP/s390x.list" || fail "README missing or not at SOURCE_DATE_EPOCH: $(cat "$TMP/s390x.list")"
ok "tar: lua, luac executable, README and doc/, mtime SOURCE_DATE_EPOCH, uid/gid 0"
unzip -l dist/lua_5.4.4_windows_amd64.zip >"$TMP/win.list"
for f in lua.exe luac.exe lua54.dll README doc/manual.html; do grep -q " $f\$" "$TMP/win.list" || fail "zip lacks $f"; done
ok "zip: lua.exe with the lua54.dll it imports (found in the build tree), luac.exe, docs"

# The manifest says, per archive, its target, contents and requirements.
get_manifest
arm=$(manifest_entry "$TMP/manifest.json" linux/arm64)
assert_eq "$(jq -r '.name' <<<"$arm")" lua_5.4.4_linux_arm64.tar.gz "manifest: the arm64 archive"
assert_eq "$(jq -r '.programs | join(" ")' <<<"$arm")" "lua luac" "manifest: its programs"
assert_eq "$(jq -r '.requires.glibc' <<<"$arm")" 2.34 "manifest: it needs glibc 2.34 (__libc_start_main)"
assert_eq "$(jq -r '[.contents[] | select(.name == "lua")][0].executable' <<<"$arm")" true "manifest: contents with modes"
win=$(manifest_entry "$TMP/manifest.json" windows/amd64)
assert_eq "$(jq -r '.requires.dlls | join(" ")' <<<"$win")" "KERNEL32.dll msvcrt.dll" "manifest: windows needs only system DLLs"
assert_eq "$(jq -r '.format' <<<"$win")" zip "manifest: windows gets zip"

# Downloaded as a user would: each target's release alone, run where it was unpacked.
cat >"$TMP/check.lua" <<'EOF'
local t = {}
for i = 1, 100 do t[#t + 1] = i * i end
print(table.concat({#t, t[100], string.pack("=I4", 1):byte(1), math.maxinteger, _VERSION}, " "))
EOF
for t in $REAL_TARGETS; do
  d=$TMP/got/${t/\//_}
  fetch_release "$PREFIX" "$t" "$d"
  cp "$TMP/check.lua" "$d/"
  little=1
  [[ $t == linux/s390x ]] && little=0
  assert_eq "$(run_clean "$t" "$d" lua check.lua)" "100 10000 $little 9223372036854775807 Lua 5.4" "$t: lua runs from the unpacked tree"
  run_clean "$t" "$d" luac -o check.luac check.lua >/dev/null || fail "$t: luac failed"
  assert_eq "$(run_clean "$t" "$d" lua check.luac)" "100 10000 $little 9223372036854775807 Lua 5.4" "$t: luac's bytecode runs"
done
[[ -f $TMP/got/windows_amd64/lua54.dll ]] || fail "lua54.dll not unpacked"

# Reproducible: a second clean build, elsewhere, gives the same archive bytes.
real_source lua5.4 "$TMP/lua2"
cp "$XSHIP_SOURCE_DIR/examples/debian/lua5.4/ci.mk" "$TMP/lua2/"
(cd "$TMP/lua2" && make --no-print-directory -f ci.mk build XSHIP_TARGETS="linux/arm64 windows/amd64" >"$TMP/make2.log" 2>&1) \
  || fail "second build: $(tail -20 "$TMP/make2.log")"
for f in lua_5.4.4_linux_arm64.tar.gz lua_5.4.4_windows_amd64.zip; do
  cmp -s "dist/$f" "$TMP/lua2/dist/$f" || fail "$f differs between two clean builds"
done
ok "two clean builds from different directories: byte-identical archives"

# Incremental: one touched source recompiles one file per target, in the target's copy.
sleep 1 && touch src/lapi.c
make --no-print-directory -f ci.mk build XSHIP_TARGETS=linux/arm64 >"$TMP/make3.log" 2>&1 || fail "incremental build: $(tail -20 "$TMP/make3.log")"
log=build/xship/linux_arm64/xship.log
grep -q 'source copy .*: 1 copied' "$log" || fail "the copy was not refreshed incrementally: $(grep 'source copy' "$log")"
n=$(grep -c 'aarch64-linux-gnu-gcc.* -c ' "$log" || true)
assert_eq "$n" 1 "the incremental build recompiled one file"
