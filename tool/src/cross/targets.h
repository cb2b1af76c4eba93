// The target matrix: OS/ARCH names like Go's GOOS/GOARCH, each mapped to a GNU triple,
// Debian's cross compilers and packages, an emulator and a CMake system description.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "cross/binary_header.h"

namespace xship::cross {

enum class Os { Linux, Windows, Darwin, FreeBsd };
enum class Arch { Amd64, Arm64, Arm, I386, Riscv64, Ppc64le, S390x };

struct Target {
  Os os = Os::Linux;
  Arch arch = Arch::Amd64;
  bool operator==(const Target&) const = default;
  std::string name() const;  // "linux/arm64"
  std::string slug() const;  // "linux_arm64": directories, variable suffixes
};

const char* os_name(Os os);  // "linux"
const char* arch_name(Arch arch);  // "arm64", "386"

struct TargetInfo {
  Target target;
  const char* triple;  // GNU triple: compiler prefix, /usr/<triple> sysroot
  const char* clang_triple;  // clang --target when built from a user SDK/sysroot
  const char* cc;  // Debian's compilers; nullptr: SDK/sysroot or zig needed
  const char* cxx;
  const char* tool_prefix;  // binutils prefix ("" on the host)
  const char* packages;  // the Debian packages that provide cc/cxx
  const char* emulator;  // "" runs natively; nullptr: nothing can run it here
  const char* emulator_packages;
  const char* multiarch;  // Debian multiarch directory ("" when none)
  const char* debian_arch;  // dpkg architecture for target libraries ("" when none)
  const char* cmake_system;  // CMAKE_SYSTEM_NAME
  const char* cmake_processor;  // CMAKE_SYSTEM_PROCESSOR
  Machine machine;  // what the output's header must say
  const char* zig_target;  // `zig cc -target`; nullptr: zig cannot link it alone
  const char* sdk_hint;  // the SDK or sysroot to supply when Debian has no toolchain
  bool is_windows() const { return target.os == Os::Windows; }
  const char* exe_suffix() const { return is_windows() ? ".exe" : ""; }
};

std::span<const TargetInfo> all_targets();
const TargetInfo& target_info(Target t);
// The machine xship itself runs on (linux/amd64 here), which needs no emulator.
Target host_target();

// "linux/arm64" -> Target. Unknown names: a Usage error with the closest match and the
// valid names, in one line.
Result<Target> parse_target(std::string_view text);
// A comma- or space-separated list; "all", "host" and "OS/*" expand; duplicates are dropped;
// `exclude` entries are removed (each must itself be a valid target).
Result<std::vector<Target>> parse_target_list(std::string_view list, const std::vector<std::string>& exclude = {});

// A known name when `text` is close to one ("linux/aarch64" -> "linux/arm64"), else "".
std::string closest_target(std::string_view text);

}  // namespace xship::cross
