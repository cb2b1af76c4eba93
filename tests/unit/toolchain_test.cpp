// Toolchain resolution against a pretend machine, and the text it turns into: the CMake
// toolchain file, the shell assignments for Make, and the version definitions.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "cross/toolchain.h"
#include "process/process.h"

using namespace xship;
using namespace xship::cross;

namespace {

// A machine with exactly the programs, files and variables a test gives it.
struct FakeMachine {
  std::set<std::string> programs;
  std::set<std::string> files;
  std::map<std::string, std::vector<std::string>> dirs;
  std::map<std::string, std::string> env;
  bool root = true;

  Host host() const {
    Host h;
    h.find_program = [this](const std::string& name) -> std::optional<std::string> {
      if (programs.count(name)) return "/usr/bin/" + name;
      return std::nullopt;
    };
    h.exists = [this](const std::string& p) { return files.count(p) > 0 || dirs.count(p) > 0; };
    h.list_dir = [this](const std::string& p) {
      auto it = dirs.find(p);
      return it == dirs.end() ? std::vector<std::string>{} : it->second;
    };
    h.env = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    h.root = root;
    return h;
  }
};

FakeMachine debian_with_everything() {
  FakeMachine m;
  for (const auto& info : all_targets()) {
    if (info.cc) m.programs.insert({info.cc, info.cxx});
    if (info.emulator && *info.emulator) m.programs.insert(info.emulator);
    for (const char* tool : {"ar", "ranlib", "strip", "windres"})
      m.programs.insert(std::string(info.tool_prefix) + tool);
  }
  m.files = {"/usr/lib/wine", "/usr/lib/wine/wine64"};
  m.dirs["/usr/lib/gcc/x86_64-w64-mingw32"] = {"12-win32", "12-posix"};
  return m;
}

const TargetInfo& info_of(const char* name) { return target_info(*parse_target(name)); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

BuildFlags stamped() {
  BuildFlags f;
  f.stamp = {"v1.2.0-3-gabcdef0-dirty", "abcdef0123456789abcdef0123456789abcdef01", 1700000000};
  return f;
}

}  // namespace

TEST(Toolchain, DebianCrossCompilerAndQemu) {
  auto m = debian_with_everything();
  auto tc = resolve_toolchain(info_of("linux/arm64"), m.host());
  ASSERT_TRUE(tc.ok()) << tc.error().message;
  EXPECT_EQ(tc->kind, CompilerKind::Gcc);
  EXPECT_EQ(tc->cc, "/usr/bin/aarch64-linux-gnu-gcc");
  EXPECT_EQ(tc->ar, "/usr/bin/aarch64-linux-gnu-ar");
  EXPECT_TRUE(tc->runnable);
  std::vector<std::string> emu = {
      "/usr/bin/qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-E",
      "LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu"};
  EXPECT_EQ(tc->emulator, emu);
  EXPECT_EQ(tc->find_root, (std::vector<std::string>{"/usr/aarch64-linux-gnu", "/"}));
  EXPECT_EQ(tc->library_architecture, "aarch64-linux-gnu");
  EXPECT_EQ(tc->pkg_config_libdir, "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig");
}

TEST(Toolchain, HostNeedsNoEmulatorAndNoCrossSettings) {
  auto m = debian_with_everything();
  m.programs.insert({"gcc", "g++"});
  auto tc = resolve_toolchain(info_of("linux/amd64"), m.host());
  ASSERT_TRUE(tc.ok()) << tc.error().message;
  EXPECT_TRUE(tc->runnable);
  EXPECT_TRUE(tc->emulator.empty());
  EXPECT_TRUE(tc->find_root.empty());
  std::string text = cmake_toolchain(*tc, stamped());
  EXPECT_FALSE(contains(text, "CMAKE_SYSTEM_NAME")) << "setting it would make CMake think it cross-compiles";
  EXPECT_FALSE(contains(text, "CMAKE_CROSSCOMPILING_EMULATOR"));
}

TEST(Toolchain, MissingCompilerNamesTheAptLine) {
  auto m = debian_with_everything();
  m.programs.erase("riscv64-linux-gnu-g++");
  m.root = false;
  auto tc = resolve_toolchain(info_of("linux/riscv64"), m.host());
  ASSERT_FALSE(tc.ok());
  EXPECT_EQ(tc.error().category, ErrorCategory::Runtime);
  EXPECT_TRUE(contains(tc.error().message, "riscv64-linux-gnu-g++ not found")) << tc.error().message;
  EXPECT_TRUE(contains(tc.error().message, "sudo apt-get install -y --no-install-recommends g++-riscv64-linux-gnu"))
      << tc.error().message;
  EXPECT_EQ(apt_install_line("qemu-user", true), "apt-get install -y --no-install-recommends qemu-user");
}

TEST(Toolchain, MissingEmulatorMeansBuildOnly) {
  auto m = debian_with_everything();
  m.programs.erase("qemu-s390x");
  auto tc = resolve_toolchain(info_of("linux/s390x"), m.host());
  ASSERT_TRUE(tc.ok());
  EXPECT_FALSE(tc->runnable);
  EXPECT_TRUE(contains(tc->not_runnable, "qemu-s390x not found"));
  EXPECT_TRUE(contains(tc->not_runnable, "qemu-user"));
  EXPECT_FALSE(contains(cmake_toolchain(*tc, stamped()), "CMAKE_CROSSCOMPILING_EMULATOR"));
}

TEST(Toolchain, WineRunsPe32OnlyWithWine32) {
  auto m = debian_with_everything();
  auto win32 = resolve_toolchain(info_of("windows/386"), m.host());
  ASSERT_TRUE(win32.ok());
  EXPECT_FALSE(win32->runnable) << "wine64 alone exits 0 for a PE32 program it never started";
  EXPECT_TRUE(contains(win32->not_runnable, "wine32:i386"));
  m.files.insert("/usr/lib/wine/wine");
  auto with32 = resolve_toolchain(info_of("windows/386"), m.host());
  ASSERT_TRUE(with32.ok());
  EXPECT_TRUE(with32->runnable);

  auto win64 = resolve_toolchain(info_of("windows/amd64"), m.host());
  ASSERT_TRUE(win64.ok());
  EXPECT_TRUE(win64->runnable);
  EXPECT_EQ(win64->cxx, "/usr/bin/x86_64-w64-mingw32-g++-posix");
  EXPECT_EQ(win64->emulator_env.at("WINEPATH"), "/usr/lib/gcc/x86_64-w64-mingw32/12-posix;/usr/x86_64-w64-mingw32/lib");
  EXPECT_EQ(win64->emulator_env.at("WINEDEBUG"), "-all,err+module");
  // WINEPATH's ';' is CMake's list separator: escaped, it stays one argument.
  std::string text = cmake_toolchain(*win64, stamped());
  EXPECT_TRUE(contains(text, R"("WINEPATH=/usr/lib/gcc/x86_64-w64-mingw32/12-posix\\;/usr/x86_64-w64-mingw32/lib")"))
      << text;
  EXPECT_TRUE(contains(text, "set(CMAKE_SYSTEM_NAME \"Windows\")"));
  EXPECT_TRUE(contains(text, "set(CMAKE_RC_COMPILER \"/usr/bin/x86_64-w64-mingw32-windres\")"));
}

TEST(Toolchain, TargetsWithoutDebianToolchainSaySoPrecisely) {
  auto m = debian_with_everything();
  auto none = resolve_toolchain(info_of("darwin/arm64"), m.host());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().category, ErrorCategory::Usage);
  for (const char* part : {"darwin/arm64 has no Debian toolchain", "--sysroot darwin/arm64=DIR",
                           "XSHIP_SYSROOT_DARWIN_ARM64", "macOS SDK", "zig"})
    EXPECT_TRUE(contains(none.error().message, part)) << part << " in: " << none.error().message;
  auto bsd = resolve_toolchain(info_of("freebsd/amd64"), m.host());
  ASSERT_FALSE(bsd.ok());
  EXPECT_FALSE(contains(bsd.error().message, "zig")) << "zig links no FreeBSD programs by itself";

  m.env["XSHIP_SYSROOT_DARWIN_ARM64"] = "/nowhere/MacOSX.sdk";
  auto missing = resolve_toolchain(info_of("darwin/arm64"), m.host());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "'/nowhere/MacOSX.sdk' does not exist"));
}

TEST(Toolchain, UserSysrootUsesClangWithTargetAndLld) {
  auto m = debian_with_everything();
  m.files.insert("/sdk/MacOSX13.sdk");
  auto no_clang = resolve_toolchain(info_of("darwin/arm64"), m.host(), "/sdk/MacOSX13.sdk");
  ASSERT_FALSE(no_clang.ok());
  EXPECT_TRUE(contains(no_clang.error().message, "apt-get install -y --no-install-recommends clang lld"));

  m.programs.insert({"clang", "clang++", "ld64.lld"});
  auto tc = resolve_toolchain(info_of("darwin/arm64"), m.host(), "/sdk/MacOSX13.sdk");
  ASSERT_TRUE(tc.ok()) << tc.error().message;
  EXPECT_EQ(tc->kind, CompilerKind::Clang);
  EXPECT_FALSE(tc->runnable);
  std::string text = cmake_toolchain(*tc, stamped());
  for (const char* line : {"set(CMAKE_SYSTEM_NAME \"Darwin\")", "set(CMAKE_C_COMPILER_TARGET \"arm64-apple-macos11\")",
                           "set(CMAKE_OSX_SYSROOT \"/sdk/MacOSX13.sdk\")", "-fuse-ld=lld"})
    EXPECT_TRUE(contains(text, line)) << line << " in:\n" << text;
  auto env = make_environment(*tc, stamped(), m.host().env);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{
                        "CC", "/usr/bin/clang --target=arm64-apple-macos11 --sysroot=/sdk/MacOSX13.sdk"}));
}

TEST(Toolchain, ZigOnPathBuildsDarwin) {
  auto m = debian_with_everything();
  m.programs.insert("zig");
  auto tc = resolve_toolchain(info_of("darwin/amd64"), m.host());
  ASSERT_TRUE(tc.ok()) << tc.error().message;
  EXPECT_EQ(tc->kind, CompilerKind::Zig);
  std::string text = cmake_toolchain(*tc, stamped());
  EXPECT_TRUE(contains(text, "set(CMAKE_C_COMPILER \"/usr/bin/zig\")"));
  EXPECT_TRUE(contains(text, "set(CMAKE_CXX_COMPILER_ARG1 \"c++ -target x86_64-macos\")")) << text;
  auto env = make_environment(*tc, stamped(), m.host().env);
  EXPECT_EQ(env[1].second, "/usr/bin/zig c++ -target x86_64-macos");
}

TEST(Toolchain, CMakeFileCarriesStampFlagsAndFindModes) {
  auto m = debian_with_everything();
  auto tc = resolve_toolchain(info_of("linux/arm64"), m.host());
  ASSERT_TRUE(tc.ok());
  BuildFlags f = stamped();
  f.static_link = true;
  f.cflags = "-O3 -DFOO=\"a b\"";
  f.ldflags = "-Wl,--as-needed";
  std::string text = cmake_toolchain(*tc, f);
  for (const char* line :
       {"set(CMAKE_SYSTEM_NAME \"Linux\")\n",
        "set(CMAKE_SYSTEM_PROCESSOR \"aarch64\")\n",
        "set(CMAKE_C_COMPILER \"/usr/bin/aarch64-linux-gnu-gcc\")\n",
        "set(CMAKE_LIBRARY_ARCHITECTURE \"aarch64-linux-gnu\")\n",
        "set(CMAKE_FIND_ROOT_PATH \"/usr/aarch64-linux-gnu\" \"/\")\n",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)\n",
        "set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)\n",
        "set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)\n",
        "set(ENV{PKG_CONFIG_LIBDIR} \"/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig\")\n",
        "set(CMAKE_CROSSCOMPILING_EMULATOR \"/usr/bin/qemu-aarch64\" \"-L\" \"/usr/aarch64-linux-gnu\" \"-E\" ",
        "  set(XSHIP_VERSION \"v1.2.0-3-gabcdef0-dirty\")\n",
        "  set(XSHIP_COMMIT \"abcdef0123456789abcdef0123456789abcdef01\")\n",
        "set(XSHIP_ARCH \"arm64\")\n",
        R"(add_compile_definitions("XSHIP_VERSION=\"${XSHIP_VERSION}\"" "XSHIP_COMMIT=\"${XSHIP_COMMIT}\"" )",
        R"(add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_SOURCE_DIR}=.>")",
        R"("$<$<COMPILE_LANGUAGE:C,CXX,ASM>:-ffile-prefix-map=${CMAKE_BINARY_DIR}=build>"))",
        "set(ENV{SOURCE_DATE_EPOCH} 1700000000)\n",
        "add_link_options(\"$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:-static>\")\n",
        R"(separate_arguments(_xship_Cflags UNIX_COMMAND "-O3 -DFOO=\"a b\""))",
        "separate_arguments(_xship_ldflags UNIX_COMMAND \"-Wl,--as-needed\")\n"})
    EXPECT_TRUE(contains(text, line)) << "missing: " << line << "\nin:\n" << text;
  EXPECT_FALSE(contains(text, "_xship_CXXflags")) << "no C++ flags were given";

  auto user = user_toolchain(info_of("linux/arm64"), "/home/me/arm64.cmake");
  std::string utext = cmake_toolchain(user, stamped());
  EXPECT_TRUE(contains(utext, "include(\"/home/me/arm64.cmake\")\n"));
  EXPECT_FALSE(contains(utext, "CMAKE_C_COMPILER"));
  EXPECT_TRUE(contains(utext, "set(XSHIP_OS \"linux\")"));
}

TEST(Toolchain, VersionStringsAreShellAndCMakeSafe) {
  EXPECT_EQ(clean_stamp_value("v1.2.0-3-gabcdef0-dirty"), "v1.2.0-3-gabcdef0-dirty");
  EXPECT_EQ(clean_stamp_value("release/2024.1+build~rc1"), "release/2024.1+build~rc1");
  EXPECT_EQ(clean_stamp_value("a b\"c$d'e\\f;g`h"), "a_b_c_d_e_f_g_h");
  EXPECT_EQ(clean_stamp_value(""), "unknown");
  EXPECT_EQ(definition_flags({Os::Linux, Arch::I386}, {"v1", "abc", 0}),
            R"(-DXSHIP_VERSION=\"v1\" -DXSHIP_COMMIT=\"abc\" -DXSHIP_OS=\"linux\" -DXSHIP_ARCH=\"386\")");
}

TEST(Toolchain, PerTargetFlagsComeFromTheEnvironment) {
  FakeMachine m;
  m.env = {{"XSHIP_CFLAGS_linux_arm64", "-march=armv8.2-a"},
           {"XSHIP_LDFLAGS_linux_arm64", "-s"},
           {"XSHIP_CFLAGS_linux_arm", "-mthumb"}};
  BuildFlags f;
  f.cflags = "-O2";
  add_target_env_flags(f, {Os::Linux, Arch::Arm64}, m.host().env);
  EXPECT_EQ(f.cflags, "-O2 -march=armv8.2-a");
  EXPECT_EQ(f.ldflags, "-s");
  EXPECT_EQ(f.cxxflags, "");
}

TEST(Toolchain, EnvironmentForMakeKeepsUserFlagsAndQuotesForTheShell) {
  auto m = debian_with_everything();
  m.env["CPPFLAGS"] = "-I/opt/include";
  auto tc = resolve_toolchain(info_of("windows/amd64"), m.host());
  ASSERT_TRUE(tc.ok());
  BuildFlags f = stamped();
  f.static_link = true;
  f.prefix_maps = {{"/src dir", "."}};
  auto env = make_environment(*tc, f, m.host().env);
  std::map<std::string, std::string> by_name(env.begin(), env.end());
  EXPECT_EQ(by_name["CC"], "/usr/bin/x86_64-w64-mingw32-gcc-posix");
  EXPECT_EQ(by_name["EXE_SUFFIX"], ".exe");
  EXPECT_EQ(by_name["XSHIP_CAN_RUN"], "yes");
  EXPECT_EQ(by_name["SOURCE_DATE_EPOCH"], "1700000000");
  EXPECT_EQ(by_name["LDFLAGS"], "-static");
  EXPECT_FALSE(by_name.count("CFLAGS")) << "a Makefile's own CFLAGS default is left alone";
  EXPECT_TRUE(by_name["CPPFLAGS"].ends_with("'-ffile-prefix-map=/src dir=.'")) << by_name["CPPFLAGS"];
  EXPECT_TRUE(by_name["CPPFLAGS"].starts_with("-I/opt/include -DXSHIP_VERSION=\\\"v1.2.0")) << by_name["CPPFLAGS"];
  EXPECT_EQ(by_name["XSHIP_EMULATOR"],
            "env WINEDEBUG=-all,err+module "
            "'WINEPATH=/usr/lib/gcc/x86_64-w64-mingw32/12-posix;/usr/x86_64-w64-mingw32/lib' /usr/bin/wine");

  // What a shell gets back from `eval` is exactly what was meant; CPPFLAGS expanded once
  // more (as make's recipe shell does) gives the compiler string literals.
  std::string script =
      render_exports(env) +
      "printf '%s\\n' \"$XSHIP_EMULATOR\" \"$EXE_SUFFIX\"; eval \"set -- $CPPFLAGS\"; printf '%s\\n' \"$2\"";
  auto out = process::capture({"sh", "-c", script});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->output, by_name["XSHIP_EMULATOR"] + "\n.exe\n-DXSHIP_VERSION=\"v1.2.0-3-gabcdef0-dirty\"\n");

  auto not_run = resolve_toolchain(info_of("windows/386"), m.host());
  ASSERT_TRUE(not_run.ok());
  std::map<std::string, std::string> w32;
  for (auto& [k, v] : make_environment(*not_run, f, m.host().env)) w32[k] = v;
  EXPECT_EQ(w32["XSHIP_CAN_RUN"], "no");
  EXPECT_EQ(w32["XSHIP_EMULATOR"], "");
}

TEST(Toolchain, ShellQuoting) {
  EXPECT_EQ(shell_quote("plain-word_1.2/x=y"), "plain-word_1.2/x=y");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_join({"a", "b c"}), "a 'b c'");
  EXPECT_EQ(render_exports({{"A", ""}, {"B", "x y"}}), "export A=''\nexport B='x y'\n");
}
