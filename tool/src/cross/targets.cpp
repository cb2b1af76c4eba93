#include "cross/targets.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "core/closest.h"

namespace xship::cross {

namespace {

constexpr const char* kSdkDarwin = "a macOS SDK (e.g. MacOSX13.3.sdk from Xcode)";
constexpr const char* kSdkWinArm = "an llvm-mingw aarch64-w64-mingw32 sysroot";
constexpr const char* kSdkFreeBsd = "a FreeBSD 13 base sysroot (base.txz unpacked)";

// Measured on Debian 12 (see the cross-toolchain notes): mingw needs its -posix compilers
// for std::thread; i686's multiarch directory is i386-linux-gnu.
// clang-format off
constexpr std::array<TargetInfo, 13> kTargets = {{
    {{Os::Linux, Arch::Amd64}, "x86_64-linux-gnu", "x86_64-linux-gnu", "gcc", "g++", "", "g++", "", "",
     "x86_64-linux-gnu", "amd64", "Linux", "x86_64", Machine::X86_64, "x86_64-linux-gnu", ""},
    {{Os::Linux, Arch::Arm64}, "aarch64-linux-gnu", "aarch64-linux-gnu", "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-g++",
     "aarch64-linux-gnu-", "g++-aarch64-linux-gnu", "qemu-aarch64", "qemu-user", "aarch64-linux-gnu", "arm64", "Linux",
     "aarch64", Machine::Aarch64, "aarch64-linux-gnu", ""},
    {{Os::Linux, Arch::Arm}, "arm-linux-gnueabihf", "armv7-linux-gnueabihf", "arm-linux-gnueabihf-gcc",
     "arm-linux-gnueabihf-g++", "arm-linux-gnueabihf-", "g++-arm-linux-gnueabihf", "qemu-arm", "qemu-user",
     "arm-linux-gnueabihf", "armhf", "Linux", "arm", Machine::Arm, "arm-linux-gnueabihf", ""},
    {{Os::Linux, Arch::I386}, "i686-linux-gnu", "i686-linux-gnu", "i686-linux-gnu-gcc", "i686-linux-gnu-g++",
     "i686-linux-gnu-", "g++-i686-linux-gnu", "qemu-i386", "qemu-user", "i386-linux-gnu", "i386", "Linux", "i686",
     Machine::I386, "x86-linux-gnu", ""},
    {{Os::Linux, Arch::Riscv64}, "riscv64-linux-gnu", "riscv64-linux-gnu", "riscv64-linux-gnu-gcc",
     "riscv64-linux-gnu-g++", "riscv64-linux-gnu-", "g++-riscv64-linux-gnu", "qemu-riscv64", "qemu-user",
     "riscv64-linux-gnu", "riscv64", "Linux", "riscv64", Machine::Riscv64, "riscv64-linux-gnu", ""},
    {{Os::Linux, Arch::Ppc64le}, "powerpc64le-linux-gnu", "powerpc64le-linux-gnu", "powerpc64le-linux-gnu-gcc",
     "powerpc64le-linux-gnu-g++", "powerpc64le-linux-gnu-", "g++-powerpc64le-linux-gnu", "qemu-ppc64le", "qemu-user",
     "powerpc64le-linux-gnu", "ppc64el", "Linux", "ppc64le", Machine::Ppc64le, "powerpc64le-linux-gnu", ""},
    {{Os::Linux, Arch::S390x}, "s390x-linux-gnu", "s390x-linux-gnu", "s390x-linux-gnu-gcc", "s390x-linux-gnu-g++",
     "s390x-linux-gnu-", "g++-s390x-linux-gnu", "qemu-s390x", "qemu-user", "s390x-linux-gnu", "s390x", "Linux",
     "s390x", Machine::S390x, "s390x-linux-gnu", ""},
    {{Os::Windows, Arch::Amd64}, "x86_64-w64-mingw32", "x86_64-w64-mingw32", "x86_64-w64-mingw32-gcc-posix",
     "x86_64-w64-mingw32-g++-posix", "x86_64-w64-mingw32-", "g++-mingw-w64-x86-64", "wine", "wine wine64", "", "",
     "Windows", "AMD64", Machine::X86_64, "x86_64-windows-gnu", ""},
    {{Os::Windows, Arch::I386}, "i686-w64-mingw32", "i686-w64-mingw32", "i686-w64-mingw32-gcc-posix",
     "i686-w64-mingw32-g++-posix", "i686-w64-mingw32-", "g++-mingw-w64-i686", "wine", "wine32:i386", "", "",
     "Windows", "X86", Machine::I386, "x86-windows-gnu", ""},
    {{Os::Windows, Arch::Arm64}, "aarch64-w64-mingw32", "aarch64-w64-mingw32", nullptr, nullptr, "", "", nullptr, "",
     "", "", "Windows", "ARM64", Machine::Aarch64, "aarch64-windows-gnu", kSdkWinArm},
    {{Os::Darwin, Arch::Amd64}, "x86_64-apple-darwin", "x86_64-apple-macos10.13", nullptr, nullptr, "", "", nullptr,
     "", "", "", "Darwin", "x86_64", Machine::X86_64, "x86_64-macos", kSdkDarwin},
    {{Os::Darwin, Arch::Arm64}, "aarch64-apple-darwin", "arm64-apple-macos11", nullptr, nullptr, "", "", nullptr, "",
     "", "", "Darwin", "arm64", Machine::Aarch64, "aarch64-macos", kSdkDarwin},
    {{Os::FreeBsd, Arch::Amd64}, "x86_64-unknown-freebsd13", "x86_64-unknown-freebsd13", nullptr, nullptr, "", "",
     nullptr, "", "", "", "FreeBSD", "amd64", Machine::X86_64, nullptr, kSdkFreeBsd},
}};
// clang-format on

std::span<const TargetInfo> table() { return kTargets; }

constexpr std::pair<const char*, const char*> kOsAliases[] = {
    {"macos", "darwin"},  {"osx", "darwin"},    {"mac", "darwin"},    {"apple", "darwin"},   {"win", "windows"},
    {"win32", "windows"}, {"win64", "windows"}, {"mingw", "windows"}, {"mingw32", "windows"}};
constexpr std::pair<const char*, const char*> kArchAliases[] = {
    {"x86_64", "amd64"}, {"x86-64", "amd64"},    {"x64", "amd64"},     {"aarch64", "arm64"}, {"armv8", "arm64"},
    {"i386", "386"},     {"i686", "386"},        {"x86", "386"},       {"armhf", "arm"},     {"armv7", "arm"},
    {"armv7l", "arm"},   {"ppc64el", "ppc64le"}, {"riscv", "riscv64"}, {"rv64", "riscv64"}};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string dealias(std::string part, std::span<const std::pair<const char*, const char*>> aliases) {
  for (const auto& [from, to] : aliases)
    if (part == from) return to;
  return part;
}

std::vector<std::string> all_names() {
  std::vector<std::string> names;
  for (const auto& t : table()) names.push_back(t.target.name());
  return names;
}

std::optional<Target> exact(std::string_view text) {
  for (const auto& t : table())
    if (t.target.name() == text) return t.target;
  return std::nullopt;
}

}  // namespace

const char* os_name(Os os) {
  switch (os) {
    case Os::Linux: return "linux";
    case Os::Windows: return "windows";
    case Os::Darwin: return "darwin";
    case Os::FreeBsd: return "freebsd";
  }
  return "";
}

const char* arch_name(Arch arch) {
  switch (arch) {
    case Arch::Amd64: return "amd64";
    case Arch::Arm64: return "arm64";
    case Arch::Arm: return "arm";
    case Arch::I386: return "386";
    case Arch::Riscv64: return "riscv64";
    case Arch::Ppc64le: return "ppc64le";
    case Arch::S390x: return "s390x";
  }
  return "";
}

std::string Target::name() const { return fmt::format("{}/{}", os_name(os), arch_name(arch)); }
std::string Target::slug() const { return fmt::format("{}_{}", os_name(os), arch_name(arch)); }

std::span<const TargetInfo> all_targets() { return table(); }

const TargetInfo& target_info(Target t) {
  for (const auto& i : table())
    if (i.target == t) return i;
  return table().front();  // unreachable: every Os/Arch pair a parser returns is in the table
}

Target host_target() { return {Os::Linux, Arch::Amd64}; }

std::string closest_target(std::string_view text) {
  std::string s = lower(text);
  auto sep = s.find_first_of("/-_ .:");
  if (sep != std::string::npos) {
    // "linux-aarch64", "macos/x86_64": the parts may each be an alias, or the arch may
    // itself contain the separator ("linux/x86-64").
    std::string os = dealias(s.substr(0, sep), kOsAliases), arch = dealias(s.substr(sep + 1), kArchAliases);
    if (exact(os + "/" + arch)) return os + "/" + arch;
  }
  auto names = all_names();
  return closest_match(s, names, 5).value_or("");
}

Result<Target> parse_target(std::string_view text) {
  if (auto t = exact(text)) return *t;
  std::string valid;
  for (const auto& n : all_names()) valid += (valid.empty() ? "" : " ") + n;
  std::string near = closest_target(text);
  if (!near.empty())
    return usage_error(fmt::format("unknown target '{}': did you mean '{}'? (valid: {})", text, near, valid));
  return usage_error(fmt::format("unknown target '{}': targets are OS/ARCH, one of: {}", text, valid));
}

Result<std::vector<Target>> parse_target_list(std::string_view list, const std::vector<std::string>& exclude) {
  std::vector<Target> out, excluded;
  for (const auto& e : exclude) {
    auto t = parse_target(e);
    if (!t) return t.error();
    excluded.push_back(*t);
  }
  auto add = [&](Target t) {
    if (std::find(out.begin(), out.end(), t) == out.end() &&
        std::find(excluded.begin(), excluded.end(), t) == excluded.end())
      out.push_back(t);
  };
  std::size_t start = 0;
  std::string text(list);
  while (start < text.size()) {
    std::size_t end = text.find_first_of(", \t\n", start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    if (item == "all") {
      for (const auto& t : table()) add(t.target);
      continue;
    }
    if (item == "host") {  // the Make fragment's and the CMake module's default
      add(host_target());
      continue;
    }
    if (item.size() > 2 && item.ends_with("/*")) {
      std::string os = item.substr(0, item.size() - 2);
      bool any = false;
      for (const auto& t : table())
        if (os == os_name(t.target.os)) add(t.target), any = true;
      if (!any) return usage_error(fmt::format("unknown OS in '{}': use linux, windows, darwin or freebsd", item));
      continue;
    }
    auto t = parse_target(item);
    if (!t) return t.error();
    add(*t);
  }
  if (out.empty())
    return usage_error(fmt::format("no targets left in '{}': name some with --targets linux/amd64,linux/arm64", text));
  return out;
}

}  // namespace xship::cross
