#!/usr/bin/env bash
# A full disk (a 1 MiB tmpfs) and a file-size limit (ulimit -f): xship compress fails with
# a one-line error, keeps the input, and leaves neither the output nor a temporary file.
# Mounting needs root; anyone else gets a private mount namespace in which they are root.
if [[ $(id -u) != 0 && -z ${XSHIP_IN_USERNS:-} ]]; then
  exec env XSHIP_IN_USERNS=1 unshare --map-root-user --mount bash "$0" "$@"
fi
source "$(dirname "$0")/compress_lib.sh"
DISK=$TMP/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=1m tmpfs "$DISK" || die "cannot mount a tmpfs on $DISK"
trap 'umount "$DISK" 2>/dev/null || true' EXIT

# Checks the last run failed as a full disk should have, with DIR holding only INPUT.
assert_clean_failure() {
  local what=$1 dir=$2 input=$3 want_sha=$4 pattern=$5
  [[ $RC == 1 ]] || die "$what: exit $RC, want 1; stderr: $(cat "$TMP/stderr")"
  grep -Fq -- "$pattern" "$TMP/stderr" || die "$what: stderr lacks '$pattern': $(cat "$TMP/stderr")"
  [[ $(wc -l <"$TMP/stderr") == 1 ]] || die "$what: the error is not one line: $(cat "$TMP/stderr")"
  same "$(ls -A "$dir")" "$(basename "$input")" "$what: only the input is left ('$(cat "$TMP/stderr")')"
  same "$(sha "$input")" "$want_sha" "$what: the input is intact"
}

# 700 KiB of random data fits; its compressed copy (about as large) does not fit beside it.
make_random "$DISK/prog" $((700 << 10))
want=$(sha "$DISK/prog")
for fmt in gz zst; do
  run xs compress --format "$fmt" "$DISK/prog"
  assert_clean_failure "full disk, $fmt" "$DISK" "$DISK/prog" "$want" "no space left writing '$DISK/prog.$fmt'"
done
# The same file compresses once there is room (the failures above were the disk's).
umount "$DISK"
mount -t tmpfs -o size=4m tmpfs "$DISK"
make_random "$DISK/prog" $((700 << 10))
run xs compress --format zst "$DISK/prog"
[[ $RC == 0 && -s $DISK/prog.zst && ! -e $DISK/prog ]] || die "with room: exit $RC: $(cat "$TMP/stderr")"
pass "with room, the same compression succeeds"

# ulimit -f: the kernel refuses writes past the limit with EFBIG (SIGXFSZ, which would
# kill the process, is ignored here as it is by xship itself).
LIM=$TMP/limit
mkdir -p "$LIM"
make_random "$LIM/prog" $((3 << 20))
want=$(sha "$LIM/prog")
for fmt in gz zst; do
  # shellcheck disable=SC2016
  run bash -c 'trap "" XFSZ; ulimit -f 1024; exec "$@"' _ "$XSHIP_BIN" compress --format "$fmt" "$LIM/prog"
  assert_clean_failure "ulimit -f, $fmt" "$LIM" "$LIM/prog" "$want" "would exceed the file size limit (ulimit -f)"
done
# Without the trap xship still cleans up: it ignores SIGXFSZ itself.
run bash -c 'ulimit -f 1024; exec "$@"' _ "$XSHIP_BIN" compress "$LIM/prog"
assert_clean_failure "ulimit -f, SIGXFSZ not ignored by the caller" "$LIM" "$LIM/prog" "$want" "file size limit"
