// Running foreign programs directly (`./prog`, a test given by path, a test script, a
// Makefile's `test` target) through the kernel's binfmt_misc. CMake applies
// CMAKE_CROSSCOMPILING_EMULATOR only to tests that name a target, so without this every
// other kind of test fails on a foreign program ("Syntax error: word unexpected": the shell
// reading an aarch64 ELF). The handlers are Debian's: qemu-user-binfmt's
// /usr/lib/binfmt.d/qemu-ARCH.conf and wine-binfmt's /usr/share/binfmts/wine, registered
// the way systemd-binfmt would at boot (these machines run no such service). The
// decisions are pure over BinfmtIo, so tests can pretend to be a machine without root.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/result.h"
#include "cross/targets.h"
#include "cross/toolchain.h"

namespace xship::cross {

struct BinfmtIo {
  std::function<std::optional<std::string>(const std::string&)> read_file;  // nullopt: absent or unreadable
  std::function<Status(const std::string& path, const std::string& text)> write_file;
  std::function<Status()> mount;  // mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  bool root = false;
  std::optional<std::string> disabled;  // XSHIP_BINFMT=off: why not to touch it
};
BinfmtIo real_binfmt_io(const EnvLookup& env);

inline constexpr const char* kBinfmtDir = "/proc/sys/fs/binfmt_misc";

// The handler that starts the target's programs: "qemu-aarch64", "wine"; "" when the
// target runs natively or nothing here runs it.
std::string binfmt_handler(const TargetInfo& info);

struct BinfmtState {
  bool on = false;  // the kernel starts the target's programs through their emulator
  std::string why;  // when off: the reason and the fix, one line
};

// Whether the handler is registered and enabled now.
BinfmtState binfmt_state(const TargetInfo& info, const BinfmtIo& io);

// Registers the handler when it is not yet and xship may (root, binfmt_misc available,
// mounted here if needed, the Debian package's handler file present). The result says
// whether it is on now, and why not.
BinfmtState ensure_binfmt(const TargetInfo& info, const BinfmtIo& io);

// What a program started through the handler needs in its environment: the target's
// library prefix for qemu (QEMU_LD_PREFIX, and its library path through QEMU_SET_ENV: the
// target's ld.so must not read the host's ld.so.cache), quiet wine.
std::map<std::string, std::string> binfmt_env(const Toolchain& tc);

}  // namespace xship::cross
