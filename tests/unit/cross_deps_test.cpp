// Planning target packages (system, multiarch, private sysroot) and the private sysroot's
// pieces: dependency lines from apt-cache, symlinks made relative, the toolchain using it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cross/deps.h"
#include "cross/toolchain.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::cross;
namespace fs = std::filesystem;

namespace {

std::vector<TargetDeps> plan(const char* targets, std::vector<std::string> libs) {
  auto r = plan_deps(*parse_target_list(targets), libs);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : std::vector<TargetDeps>{};
}

const PackageNeed* find(const TargetDeps& d, const std::string& why) {
  for (const auto& p : d.packages)
    if (p.why == why) return &p;
  return nullptr;
}

}  // namespace

TEST(CrossDeps, LibrariesTakeTheRouteThatWorksForEachArchitecture) {
  auto d = plan("linux/amd64,linux/arm64,linux/arm,linux/386,linux/riscv64,windows/amd64,windows/386", {"zlib"});
  ASSERT_EQ(d.size(), 7u);
  auto zlib = [&](int i) { return find(d[i], "library zlib"); };
  ASSERT_TRUE(zlib(0) && zlib(1) && zlib(2) && zlib(3) && zlib(5));
  EXPECT_EQ(zlib(0)->package, "zlib1g-dev");
  EXPECT_EQ(zlib(0)->route, Route::System);
  EXPECT_EQ(zlib(1)->package, "zlib1g-dev:arm64");
  EXPECT_EQ(zlib(1)->route, Route::Multiarch);
  EXPECT_EQ(zlib(1)->arch, "arm64");
  EXPECT_EQ(zlib(2)->route, Route::PrivateSysroot) << "armhf multiarch broke apt-get update on a mirror";
  EXPECT_EQ(zlib(2)->arch, "armhf");
  EXPECT_EQ(zlib(3)->package, "zlib1g-dev");
  EXPECT_EQ(zlib(3)->arch, "i386");
  EXPECT_EQ(find(d[4], "library zlib"), nullptr);
  EXPECT_NE(d[4].problem.find("Debian 12 has no linux/riscv64 package of zlib1g-dev"), std::string::npos)
      << d[4].problem;
  EXPECT_EQ(zlib(5)->package, "libz-mingw-w64-dev");
  EXPECT_EQ(find(d[0], "compiler")->package, "g++");
  EXPECT_EQ(find(d[1], "emulator")->package, "qemu-user");
  EXPECT_EQ(find(d[1], "direct runs")->package, "qemu-user-binfmt") << "tests that start ./prog need the handler";
  EXPECT_EQ(find(d[5], "direct runs")->package, "wine-binfmt");
  EXPECT_EQ(find(d[0], "direct runs"), nullptr) << "the host runs its own programs";
  const PackageNeed* wine32 = find(d[6], "emulator");
  ASSERT_NE(wine32, nullptr);
  EXPECT_EQ(wine32->package, "wine32:i386");
  EXPECT_TRUE(wine32->optional);
}

TEST(CrossDeps, UnknownLibrariesAndSdkTargets) {
  auto bad = plan_deps(*parse_target_list("linux/arm64"), {"zlib", "libfoo"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().category, ErrorCategory::Usage);
  EXPECT_NE(bad.error().message.find("unknown library 'libfoo'"), std::string::npos);
  auto raw = plan("linux/arm64", {"libfoo-dev"});
  EXPECT_EQ(find(raw[0], "library")->package, "libfoo-dev:arm64");
  auto darwin = plan("darwin/arm64", {});
  EXPECT_TRUE(darwin[0].packages.empty());
  EXPECT_NE(darwin[0].problem.find("macOS SDK"), std::string::npos);
}

TEST(CrossDeps, DependenciesSkipVirtualAndToolchainPackages) {
  const char* apt_cache = R"(zlib1g-dev
  Depends: zlib1g
 |Depends: libc6-dev
  Depends: <libc-dev>
    libc6-dev
  PreDepends: libfoo1:armhf
  Conflicts: <zlib1-dev>
)";
  EXPECT_EQ(sysroot_dependencies(apt_cache), (std::vector<std::string>{"zlib1g", "libfoo1"}));
  EXPECT_TRUE(sysroot_dependencies("libzstd1\n  Depends: libc6\n").empty());
}

TEST(CrossDeps, AbsoluteSymlinksResolveInsideTheSysroot) {
  ScratchDir scratch("sysroot");
  const fs::path root = scratch.path();
  fs::create_directories(root / "lib/arm-linux-gnueabihf");
  fs::create_directories(root / "usr/lib/arm-linux-gnueabihf");
  std::ofstream(root / "lib/arm-linux-gnueabihf/libz.so.1.2.13") << "lib";
  fs::create_symlink("/lib/arm-linux-gnueabihf/libz.so.1.2.13", root / "usr/lib/arm-linux-gnueabihf/libz.so");
  fs::create_symlink("libz.so.1.2.13", root / "lib/arm-linux-gnueabihf/libz.so.1");
  ASSERT_TRUE(relink_absolute_symlinks(root.string()).ok());
  EXPECT_EQ(fs::read_symlink(root / "usr/lib/arm-linux-gnueabihf/libz.so"),
            fs::path("../../../lib/arm-linux-gnueabihf/libz.so.1.2.13"));
  EXPECT_TRUE(fs::exists(root / "usr/lib/arm-linux-gnueabihf/libz.so")) << "it resolves now";
  EXPECT_EQ(fs::read_symlink(root / "lib/arm-linux-gnueabihf/libz.so.1"), fs::path("libz.so.1.2.13"))
      << "relative ones stay";

  std::ofstream(root / ".xship-packages") << "zlib1g-dev\nzlib1g\n";
  EXPECT_TRUE(private_sysroot_has(root.string(), "zlib1g"));
  EXPECT_FALSE(private_sysroot_has(root.string(), "zlib1g-de"));
}

TEST(CrossDeps, ToolchainUsesAnExistingPrivateSysroot) {
  std::map<std::string, std::string> vars = {{"XDG_CACHE_HOME", "/cache"}};
  EnvLookup env = [&](const std::string& k) -> std::optional<std::string> {
    auto it = vars.find(k);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  Target arm{Os::Linux, Arch::Arm};
  EXPECT_EQ(private_sysroot(arm, env), "/cache/xship/sysroot/linux_arm");
  vars = {{"HOME", "/home/me"}};
  EXPECT_EQ(private_sysroot(arm, env), "/home/me/.cache/xship/sysroot/linux_arm");

  Host h;
  h.find_program = [](const std::string& n) -> std::optional<std::string> { return "/usr/bin/" + n; };
  h.exists = [](const std::string& p) { return p == "/home/me/.cache/xship/sysroot/linux_arm"; };
  h.list_dir = [](const std::string&) { return std::vector<std::string>{}; };
  h.env = env;
  auto tc = resolve_toolchain(target_info(arm), h);
  ASSERT_TRUE(tc.ok()) << tc.error().message;
  const std::string root = "/home/me/.cache/xship/sysroot/linux_arm";
  EXPECT_EQ(tc->lib_sysroot, root);
  EXPECT_EQ(tc->find_root, (std::vector<std::string>{"/usr/arm-linux-gnueabihf", root}));
  EXPECT_EQ(tc->emulator.back(), "LD_LIBRARY_PATH=/usr/arm-linux-gnueabihf/lib:" + root +
                                     "/lib/arm-linux-gnueabihf:" + root + "/usr/lib/arm-linux-gnueabihf");
  std::string text = cmake_toolchain(*tc, {});
  EXPECT_NE(text.find("set(ENV{PKG_CONFIG_SYSROOT_DIR} \"" + root + "\")"), std::string::npos) << text;
  std::map<std::string, std::string> make;
  for (auto& [k, v] : make_environment(*tc, {}, [](const std::string&) { return std::optional<std::string>{}; }))
    make[k] = v;
  EXPECT_EQ(make["PKG_CONFIG_LIBDIR"],
            root + "/usr/lib/arm-linux-gnueabihf/pkgconfig:" + root + "/usr/share/pkgconfig");
  EXPECT_TRUE(make["CPPFLAGS"].starts_with("-isystem " + root + "/usr/include/arm-linux-gnueabihf"))
      << make["CPPFLAGS"];
  EXPECT_NE(make["LDFLAGS"].find("-L" + root + "/usr/lib/arm-linux-gnueabihf"), std::string::npos);

  Target arm64{Os::Linux, Arch::Arm64};  // no private sysroot: multiarch
  auto multi = resolve_toolchain(target_info(arm64), h);
  ASSERT_TRUE(multi.ok());
  EXPECT_EQ(multi->lib_sysroot, "");
  EXPECT_EQ(multi->find_root.back(), "/");
}
