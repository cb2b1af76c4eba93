// Which Debian packages a set of targets needs: compilers, emulators and the target
// architecture's libraries, and how those libraries get there: Debian multiarch
// (zlib1g-dev:arm64), or, where multiarch breaks apt (armhf and i386 on some mirrors), a
// private sysroot unpacked from the downloaded packages, which leaves dpkg untouched.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/targets.h"
#include "cross/toolchain.h"  // private_sysroot

namespace xship::cross {

enum class Route {
  System,  // apt-get install PKG (compilers, emulators, the host's own libraries)
  Multiarch,  // apt-get install PKG:ARCH after dpkg --add-architecture ARCH
  PrivateSysroot  // apt-get download PKG + its libraries, unpacked into private_sysroot()
};

struct PackageNeed {
  std::string package;  // "g++-aarch64-linux-gnu", "zlib1g-dev:arm64", "zlib1g-dev" (private)
  std::string why;  // "compiler", "emulator", "library zlib"
  Route route = Route::System;
  std::string arch;  // the dpkg architecture of Multiarch and PrivateSysroot needs
  bool optional = false;  // an emulator that cannot be installed here (wine32)
};

struct TargetDeps {
  Target target;
  std::vector<PackageNeed> packages;
  std::string problem;  // a need no Debian package meets, with what to do instead
};

// `libs` are short names (zlib, zstd, openssl, curl, png, sqlite3, bz2, lzma) or Debian
// package names ending in -dev. An unknown short name is a Usage error listing the known.
Result<std::vector<TargetDeps>> plan_deps(const std::vector<Target>& targets, const std::vector<std::string>& libs);

bool private_sysroot_has(const std::string& sysroot, const std::string& package);

// The package names in `apt-cache depends` output that a private sysroot must also hold:
// real packages only (no <virtual> ones), none the cross toolchain already provides.
std::vector<std::string> sysroot_dependencies(const std::string& apt_cache_depends_output);
// Absolute symlinks inside a sysroot point at the host's files (libz.so ->
// /lib/.../libz.so.1.2.13): rewritten relative, so they resolve inside it.
Status relink_absolute_symlinks(const std::string& sysroot);

// Downloads `packages` (and the libraries they need) for the target's architecture with a
// private apt state under the sysroot's parent, and unpacks them into the sysroot.
Status install_private_sysroot(const TargetInfo& info, const std::vector<std::string>& packages, const EnvLookup& env);

}  // namespace xship::cross
