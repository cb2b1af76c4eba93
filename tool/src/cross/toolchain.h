// From a target to the concrete compilers, emulator and flags on this machine, and from
// those to text: a CMake toolchain file and shell assignments for Make. Pure: what the
// machine has comes in through Host, so tests can pretend a compiler is missing.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "cross/targets.h"

namespace xship::cross {

struct Host {
  std::function<std::optional<std::string>(const std::string&)> find_program;  // PATH lookup
  std::function<bool(const std::string&)> exists;
  std::function<std::vector<std::string>(const std::string&)> list_dir;  // names; empty when absent
  EnvLookup env;
  bool root = false;  // apt commands need no sudo
};
Host real_host(const EnvLookup& env);

enum class CompilerKind { Gcc, Clang, Zig, UserFile };

struct Toolchain {
  const TargetInfo* info = nullptr;
  CompilerKind kind = CompilerKind::Gcc;
  std::string cc, cxx;  // programs
  std::vector<std::string> cc_args, cxx_args;  // zig's "cc -target X"
  std::string compiler_target;  // clang --target
  std::string sysroot;  // a user's SDK/sysroot
  std::string ar, ranlib, strip, rc;  // "" where the build tool's default is right
  std::vector<std::string> link_flags;  // -fuse-ld=lld
  std::vector<std::string> find_root;  // CMAKE_FIND_ROOT_PATH
  std::string library_architecture;  // Debian multiarch directory
  std::string lib_sysroot;  // xship's private sysroot of target libraries
  std::string pkg_config_libdir;
  std::string user_file;  // --toolchain OS/ARCH=FILE
  // Running what it builds.
  bool runnable = false;
  std::string not_runnable;  // why not, and the fix
  std::vector<std::string> emulator;  // argv prefix; empty and runnable: native
  std::map<std::string, std::string> emulator_env;
};

// Debian's cross compilers first; for targets Debian lacks, clang with a user sysroot
// (`sysroot`, else XSHIP_SYSROOT_<OS>_<ARCH>), else zig on PATH. Errors say what to install
// (the apt-get line) or to supply.
Result<Toolchain> resolve_toolchain(const TargetInfo& info, const Host& host, const std::string& sysroot = "");
// Where `xship deps --install` unpacks target libraries that Debian multiarch cannot
// provide: $XDG_CACHE_HOME (or ~/.cache)/xship/sysroot/OS_ARCH. Used when it exists.
std::string private_sysroot(const Target& t, const EnvLookup& env);

// A user's own CMake toolchain file for the target; xship adds only its flags.
Toolchain user_toolchain(const TargetInfo& info, const std::string& file);

// "sudo apt-get install -y --no-install-recommends PKGS" (no sudo for root).
std::string apt_install_line(const std::string& packages, bool root);

// What goes into every program: XSHIP_VERSION, XSHIP_COMMIT, and the commit time.
struct Stamp {
  std::string version = "unknown";
  std::string commit = "unknown";
  long long epoch = 0;  // SOURCE_DATE_EPOCH: the commit time; 0 (still fixed) outside git
};
// Characters a string literal can carry through a shell and CMake unquoted; others -> '_'.
std::string clean_stamp_value(const std::string& v);

struct BuildFlags {
  Stamp stamp;
  bool static_link = false;  // --static: fully static programs
  bool portable_runtime = false;  // libstdc++ linked in (Linux), everything static (Windows)
  std::string cflags, cxxflags, ldflags;  // XSHIP_CFLAGS_linux_arm64 and the like
  // -ffile-prefix-map pairs for Make; CMake toolchains map their own source and build dirs.
  std::vector<std::pair<std::string, std::string>> prefix_maps;
};
// XSHIP_{CFLAGS,CXXFLAGS,LDFLAGS}_<os>_<arch> from the environment.
void add_target_env_flags(BuildFlags& flags, const Target& t, const EnvLookup& env);

// The link flags of flags.static_link/portable_runtime for the target: {"-static"},
// {"-static-libstdc++"} or {}.
std::vector<std::string> runtime_link_flags(const Target& t, const BuildFlags& flags);

// -DXSHIP_VERSION=\"v1.2\" ...: shell-escaped, as CPPFLAGS is expanded by make's shell.
std::string definition_flags(const Target& t, const Stamp& s);

std::string cmake_toolchain(const Toolchain& tc, const BuildFlags& flags);

using Assignments = std::vector<std::pair<std::string, std::string>>;
// CC CXX AR RANLIB STRIP EXE_SUFFIX XSHIP_* PKG_CONFIG_LIBDIR CPPFLAGS CFLAGS ... for Make.
// Existing CPPFLAGS/CFLAGS/CXXFLAGS/LDFLAGS in `env` are kept in front of xship's.
Assignments make_environment(const Toolchain& tc, const BuildFlags& flags, const EnvLookup& env);
// `export NAME='value'` lines a shell can eval.
std::string render_exports(const Assignments& a);

std::string shell_quote(const std::string& s);
std::string shell_join(const std::vector<std::string>& words);

}  // namespace xship::cross
