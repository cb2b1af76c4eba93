// Registering emulators with binfmt_misc, decided over a pretend /proc: what is written
// where, when xship may not (no root, turned off, the Debian package missing), and the
// environment a directly started program gets. The real kernel is the integration
// tests' (test_cross_direct.sh).
#include <gtest/gtest.h>

#include <map>

#include "cross/binfmt.h"
#include "cross/toolchain.h"

using namespace xship;
using namespace xship::cross;

namespace {

constexpr const char* kAarch64Conf =
    ":qemu-aarch64:M::\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:"
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:"
    "/usr/libexec/qemu-binfmt/aarch64-binfmt-P:PO\n";

// A pretend machine: files by path; writing "register" adds the handler as the kernel does.
struct ProcFs {
  std::map<std::string, std::string> files;
  std::vector<std::pair<std::string, std::string>> writes;
  bool mounted = true;
  int mounts = 0;
  BinfmtIo io(bool root = true) {
    BinfmtIo io;
    io.root = root;
    io.read_file = [this](const std::string& p) -> std::optional<std::string> {
      if (p.starts_with(kBinfmtDir) && !mounted) return std::nullopt;
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    io.write_file = [this](const std::string& p, const std::string& text) -> Status {
      writes.push_back({p, text});
      if (p == std::string(kBinfmtDir) + "/register") {
        auto name = text.substr(1, text.find(':', 1) - 1);
        files[std::string(kBinfmtDir) + "/" + name] = "enabled\ninterpreter ...\n";
      }
      return ok_status();
    };
    io.mount = [this]() -> Status {
      ++mounts;
      mounted = true;
      files[std::string(kBinfmtDir) + "/status"] = "enabled\n";
      files[std::string(kBinfmtDir) + "/register"] = "";
      return ok_status();
    };
    return io;
  }
};

const TargetInfo& arm64() { return target_info({Os::Linux, Arch::Arm64}); }
const TargetInfo& win64() { return target_info({Os::Windows, Arch::Amd64}); }

}  // namespace

TEST(Binfmt, HandlersAreNamedAfterTheEmulator) {
  EXPECT_EQ(binfmt_handler(arm64()), "qemu-aarch64");
  EXPECT_EQ(binfmt_handler(target_info({Os::Linux, Arch::S390x})), "qemu-s390x");
  EXPECT_EQ(binfmt_handler(win64()), "wine");
  EXPECT_EQ(binfmt_handler(target_info(host_target())), "") << "the host runs its own programs";
  EXPECT_EQ(binfmt_handler(target_info({Os::Darwin, Arch::Arm64})), "") << "nothing here runs darwin programs";
}

TEST(Binfmt, RegistersDebiansHandlerMountingFirstWhenNeeded) {
  ProcFs m;
  m.mounted = false;
  m.files["/usr/lib/binfmt.d/qemu-aarch64.conf"] = kAarch64Conf;
  auto io = m.io();
  EXPECT_FALSE(binfmt_state(arm64(), io).on);
  BinfmtState s = ensure_binfmt(arm64(), io);
  EXPECT_TRUE(s.on) << s.why;
  EXPECT_EQ(m.mounts, 1);
  ASSERT_EQ(m.writes.size(), 1u);
  EXPECT_EQ(m.writes[0].first, "/proc/sys/fs/binfmt_misc/register");
  EXPECT_EQ(m.writes[0].second + "\n", kAarch64Conf) << "the package's line, as systemd-binfmt writes it";
  // Once on, nothing more is written.
  EXPECT_TRUE(ensure_binfmt(arm64(), io).on);
  EXPECT_EQ(m.writes.size(), 1u);
}

TEST(Binfmt, WineFromBinfmtSupportsFormat) {
  ProcFs m;
  m.files[std::string(kBinfmtDir) + "/status"] = "enabled\n";
  m.files[std::string(kBinfmtDir) + "/register"] = "";
  m.files["/usr/share/binfmts/wine"] = "package wine\ninterpreter /usr/bin/wine\nmagic MZ\n";
  auto io = m.io();
  EXPECT_TRUE(ensure_binfmt(win64(), io).on);
  ASSERT_EQ(m.writes.size(), 1u);
  EXPECT_EQ(m.writes[0].second, ":wine:M::MZ::/usr/bin/wine:");
}

TEST(Binfmt, SaysWhyWhenItMayNot) {
  ProcFs m;
  m.files["/usr/lib/binfmt.d/qemu-aarch64.conf"] = kAarch64Conf;
  auto user = m.io(/*root=*/false);
  auto s = ensure_binfmt(arm64(), user);
  EXPECT_FALSE(s.on);
  EXPECT_NE(s.why.find("needs root"), std::string::npos) << s.why;
  EXPECT_TRUE(m.writes.empty()) << "nothing is attempted without root";

  auto off = m.io();
  off.disabled = "XSHIP_BINFMT=off";
  s = ensure_binfmt(arm64(), off);
  EXPECT_FALSE(s.on);
  EXPECT_NE(s.why.find("XSHIP_BINFMT=off"), std::string::npos) << s.why;

  ProcFs bare;  // qemu-user-binfmt not installed
  auto root = bare.io();
  s = ensure_binfmt(arm64(), root);
  EXPECT_FALSE(s.on);
  EXPECT_NE(s.why.find("apt-get install -y --no-install-recommends qemu-user-binfmt"), std::string::npos) << s.why;
  EXPECT_TRUE(bare.writes.empty());
}

TEST(Binfmt, ADisabledHandlerIsEnabledNotRegisteredAgain) {
  ProcFs m;
  m.files[std::string(kBinfmtDir) + "/status"] = "enabled\n";
  m.files[std::string(kBinfmtDir) + "/qemu-aarch64"] =
      "disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n";
  m.files["/usr/lib/binfmt.d/qemu-aarch64.conf"] = kAarch64Conf;
  auto io = m.io();
  ensure_binfmt(arm64(), io);
  ASSERT_EQ(m.writes.size(), 1u);
  EXPECT_EQ(m.writes[0], std::make_pair(std::string(kBinfmtDir) + "/qemu-aarch64", std::string("1")));
}

TEST(Binfmt, DirectlyStartedProgramsGetTheTargetsLibraries) {
  Toolchain tc;
  tc.info = &arm64();
  tc.runnable = true;
  tc.emulator = {"/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-E",
                 "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/lib/aarch64-linux-gnu"};
  auto env = binfmt_env(tc);
  EXPECT_EQ(env["QEMU_LD_PREFIX"], "/usr/aarch64-linux-gnu");
  EXPECT_EQ(env["QEMU_SET_ENV"], "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/lib/aarch64-linux-gnu");
  Toolchain wine;
  wine.info = &win64();
  wine.runnable = true;
  wine.emulator = {"/usr/bin/wine"};
  wine.emulator_env = {{"WINEDEBUG", "-all"}};
  EXPECT_EQ(binfmt_env(wine)["WINEDEBUG"], "-all");
  tc.runnable = false;
  EXPECT_TRUE(binfmt_env(tc).empty());
}
