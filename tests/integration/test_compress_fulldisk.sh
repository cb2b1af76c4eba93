#!/usr/bin/env bash
# A full disk (a 1 MiB tmpfs) and a file-size limit (ulimit -f): xship compress fails with
# a one-line error, keeps the input, and leaves neither the output nor a temporary file.
# Mounting needs root; anyone else gets a private mount namespace in which they are root.
if [[ $(id -u) != 0 && -z ${XSHIP_IN_USERNS:-} ]]; then
  exec env XSHIP_IN_USERNS=1 unshare --map-root-user --mount bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
use_compress
DISK=$TMP/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=1m tmpfs "$DISK" || fail "cannot mount a tmpfs on $DISK"
trap 'umount "$DISK" 2>/dev/null || true' EXIT

# Checks the last run failed as a full disk should have, with DIR holding only INPUT.
assert_clean_failure() {
  local what=$1 dir=$2 input=$3 want_sha=$4 pattern=$5
  [[ $rc == 1 ]] || fail "$what: exit $rc, want 1; stderr: $(cat "$TMP/err")"
  grep -Fq -- "$pattern" "$TMP/err" || fail "$what: stderr lacks '$pattern': $(cat "$TMP/err")"
  [[ $(wc -l <"$TMP/err") == 1 ]] || fail "$what: the error is not one line: $(cat "$TMP/err")"
  assert_eq "$(ls -A "$dir")" "$(basename "$input")" "$what: only the input is left ('$(cat "$TMP/err")')"
  assert_eq "$(sha256_of "$input")" "$want_sha" "$what: the input is intact"
}

# 700 KiB of random data fits; its compressed copy (about as large) does not fit beside it.
make_random "$DISK/prog" $((700 << 10))
want=$(sha256_of "$DISK/prog")
for fmt in gz zst; do
  rc=$(rc_of xs compress --format "$fmt" "$DISK/prog")
  assert_clean_failure "full disk, $fmt" "$DISK" "$DISK/prog" "$want" "no space left writing '$DISK/prog.$fmt'"
done
# The same file compresses once there is room (the failures above were the disk's).
umount "$DISK"
mount -t tmpfs -o size=4m tmpfs "$DISK"
make_random "$DISK/prog" $((700 << 10))
rc=$(rc_of xs compress --format zst "$DISK/prog")
[[ $rc == 0 && -s $DISK/prog.zst && ! -e $DISK/prog ]] || fail "with room: exit $rc: $(cat "$TMP/err")"
ok "with room, the same compression succeeds"

# ulimit -f: the kernel refuses writes past the limit with EFBIG (SIGXFSZ, which would
# kill the process, is ignored here as it is by xship itself).
LIM=$TMP/limit
mkdir -p "$LIM"
make_random "$LIM/prog" $((3 << 20))
want=$(sha256_of "$LIM/prog")
for fmt in gz zst; do
  # shellcheck disable=SC2016
  rc=$(rc_of bash -c 'trap "" XFSZ; ulimit -f 1024; exec "$@"' _ "$XSHIP_BIN" compress --format "$fmt" "$LIM/prog")
  assert_clean_failure "ulimit -f, $fmt" "$LIM" "$LIM/prog" "$want" "would exceed the file size limit (ulimit -f)"
done
# Without the trap xship still cleans up: it ignores SIGXFSZ itself.
rc=$(rc_of bash -c 'ulimit -f 1024; exec "$@"' _ "$XSHIP_BIN" compress "$LIM/prog")
assert_clean_failure "ulimit -f, SIGXFSZ not ignored by the caller" "$LIM" "$LIM/prog" "$want" "file size limit"
