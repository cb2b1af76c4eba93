#include "cross/deps.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "process/process.h"

namespace fs = std::filesystem;

namespace xship::cross {

namespace {

struct Library {
  const char* name;
  const char* debian;  // the -dev package, installable per architecture (Multi-Arch: same)
  const char* mingw;  // Debian's mingw-w64 build, nullptr when there is none
};

constexpr Library kLibraries[] = {
    {"zlib", "zlib1g-dev", "libz-mingw-w64-dev"},
    {"zstd", "libzstd-dev", nullptr},
    {"openssl", "libssl-dev", nullptr},
    {"curl", "libcurl4-openssl-dev", nullptr},
    {"png", "libpng-dev", nullptr},
    {"sqlite3", "libsqlite3-dev", nullptr},
    {"bz2", "libbz2-dev", nullptr},
    {"lzma", "liblzma-dev", nullptr},
};

// arm64 multiarch was measured to work; adding armhf or i386 broke `apt-get update` on a
// mirror, so those get a private sysroot; riscv64 is not in Debian 12 at all.
std::optional<Route> library_route(const TargetInfo& info) {
  std::string_view arch = info.debian_arch;
  if (info.target == host_target()) return Route::System;
  if (arch == "arm64" || arch == "ppc64el" || arch == "s390x") return Route::Multiarch;
  if (arch == "armhf" || arch == "i386") return Route::PrivateSysroot;
  return std::nullopt;
}

void add_words(std::vector<PackageNeed>& out, const std::string& words, const std::string& why) {
  std::istringstream in(words);
  for (std::string p; in >> p;) {
    PackageNeed need{p, why, Route::System, "", false};
    if (auto colon = p.find(':'); colon != std::string::npos) {
      // Foreign-architecture emulators (wine32:i386) would need the whole i386 archive.
      need.route = Route::Multiarch;
      need.arch = p.substr(colon + 1);
      need.optional = true;
    }
    out.push_back(std::move(need));
  }
}

// What the Debian cross toolchain (libc6-dev-armhf-cross and friends) already holds.
bool toolchain_provides(const std::string& package) {
  for (const char* prefix : {"libc6", "libgcc", "libstdc++", "gcc-", "libcrypt", "linux-libc-dev", "libnsl", "libtirpc",
                             "libasan", "libatomic", "libgomp", "libubsan", "libitm"})
    if (package.starts_with(prefix)) return true;
  return false;
}

Result<std::string> run_quiet(std::vector<std::string> argv, const std::string& cwd = "") {
  process::Command cmd;
  cmd.argv = std::move(argv);
  cmd.cwd = cwd;
  cmd.env = {{"DEBIAN_FRONTEND", "noninteractive"}};
  auto r = process::run(cmd);
  if (!r) return r.error();
  if (!r->success()) {
    std::string tail = r->output.size() > 400 ? r->output.substr(r->output.size() - 400) : r->output;
    std::replace(tail.begin(), tail.end(), '\n', ' ');
    return runtime_error(fmt::format("'{}' failed ({}): {}", cmd.argv[0] + " " + cmd.argv.back(), r->describe(), tail));
  }
  return r->output;
}

std::string debian_codename() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VERSION_CODENAME=")) return line.substr(17);
  return "bookworm";
}

}  // namespace

namespace {

// The libraries asked for: xship's names (kLibraries) and raw Debian -dev packages.
struct WantedLibraries {
  std::vector<const Library*> known;
  std::vector<std::string> raw;
};

Result<WantedLibraries> resolve_libraries(const std::vector<std::string>& libs) {
  WantedLibraries w;
  for (const auto& l : libs) {
    auto known =
        std::find_if(std::begin(kLibraries), std::end(kLibraries), [&](const Library& k) { return l == k.name; });
    if (known != std::end(kLibraries))
      w.known.push_back(known);
    else if (l.ends_with("-dev"))
      w.raw.push_back(l);
    else {
      std::string names;
      for (const auto& k : kLibraries) names += (names.empty() ? "" : ", ") + std::string(k.name);
      return usage_error(
          fmt::format("unknown library '{}': use one of {} or a Debian package name ending in -dev", l, names));
    }
  }
  return w;
}

// The target's libraries as packages (by the route library_route() gives), or in `missing`.
void add_libraries(const TargetInfo& info, const WantedLibraries& w, TargetDeps& d, std::vector<std::string>& missing) {
  auto route = library_route(info);
  auto add_lib = [&](const std::string& dev, const std::string& why) {
    if (!route)
      missing.push_back(dev);
    else if (*route == Route::Multiarch)
      d.packages.push_back({dev + ":" + info.debian_arch, why, *route, info.debian_arch});
    else
      d.packages.push_back({dev, why, *route, *route == Route::System ? "" : info.debian_arch});
  };
  for (const Library* lib : w.known) {
    if (!info.is_windows())
      add_lib(lib->debian, fmt::format("library {}", lib->name));
    else if (lib->mingw)
      d.packages.push_back({lib->mingw, fmt::format("library {}", lib->name), Route::System, ""});
    else
      missing.push_back(lib->name);
  }
  for (const auto& r : w.raw) {
    if (info.is_windows())
      missing.push_back(r);
    else
      add_lib(r, "library");
  }
}

TargetDeps plan_target(Target t, const WantedLibraries& w) {
  const TargetInfo& info = target_info(t);
  TargetDeps d{t, {}, ""};
  if (!info.cc) {
    d.problem = fmt::format("no Debian toolchain: supply {} (see 'xship targets')", info.sdk_hint);
    return d;
  }
  add_words(d.packages, info.packages, "compiler");
  add_words(d.packages, info.emulator_packages, "emulator");
  // The handlers that let tests start the target's programs directly (binfmt.h).
  if (info.emulator && *info.emulator && info.machine != Machine::I386)
    add_words(d.packages, info.is_windows() ? "wine-binfmt" : "qemu-user-binfmt", "direct runs");
  std::vector<std::string> missing;
  add_libraries(info, w, d, missing);
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    d.problem = fmt::format(
        "Debian 12 has no {} package of {}: build it with `xship toolchain {}` and install it into a "
        "directory on CMAKE_PREFIX_PATH",
        t.name(), names, t.name());
  }
  return d;
}

}  // namespace

Result<std::vector<TargetDeps>> plan_deps(const std::vector<Target>& targets, const std::vector<std::string>& libs) {
  auto wanted = resolve_libraries(libs);
  if (!wanted) return wanted.error();
  std::vector<TargetDeps> out;
  for (Target t : targets) out.push_back(plan_target(t, *wanted));
  return out;
}

bool private_sysroot_has(const std::string& sysroot, const std::string& package) {
  std::ifstream in(sysroot + "/.xship-packages");
  for (std::string line; std::getline(in, line);)
    if (line == package) return true;
  return false;
}

std::vector<std::string> sysroot_dependencies(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::size_t start = line.find_first_not_of(" |");
    if (start == std::string::npos) continue;
    std::string_view l(line.c_str() + start);
    for (std::string_view key : {"Depends: ", "PreDepends: "}) {
      if (!l.starts_with(key)) continue;
      std::string name(l.substr(key.size()));
      name = name.substr(0, name.find(':'));
      if (!name.empty() && name[0] != '<' && !toolchain_provides(name) &&
          std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(name);
    }
  }
  return out;
}

Status relink_absolute_symlinks(const std::string& sysroot) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(sysroot, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink()) continue;
    fs::path target = fs::read_symlink(it->path(), ec);
    if (ec || !target.is_absolute()) continue;
    fs::path inside = (fs::path(sysroot) / target.relative_path()).lexically_relative(it->path().parent_path());
    fs::remove(it->path(), ec);
    if (!ec) fs::create_symlink(inside, it->path(), ec);
    if (ec) return runtime_error(fmt::format("cannot relink '{}': {}", it->path().string(), ec.message()));
  }
  if (ec) return runtime_error(fmt::format("cannot walk '{}': {}", sysroot, ec.message()));
  return ok_status();
}

Status install_private_sysroot(const TargetInfo& info, const std::vector<std::string>& packages, const EnvLookup& env) {
  std::string root = private_sysroot(info.target, env);
  fs::path state = fs::path(root).parent_path() / fmt::format("apt-{}", info.debian_arch);
  std::error_code ec;
  fs::remove_all(state / "debs", ec);
  for (const char* dir : {"lists/partial", "cache/archives/partial", "debs"}) fs::create_directories(state / dir, ec);
  fs::create_directories(root, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}", state.string(), ec.message()));
  std::ofstream(state / "status", std::ios::app).flush();  // apt wants a dpkg status file, even empty
  std::string mirror = env("XSHIP_DEBIAN_MIRROR").value_or("http://deb.debian.org/debian");
  std::ofstream(state / "sources.list") << fmt::format(
      "deb [arch={} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {} {} main\n", info.debian_arch, mirror,
      debian_codename());

  // apt with its own state: only this architecture's index, nothing of the system's.
  std::vector<std::string> o;
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"Dir::State::Lists", (state / "lists").string()},
                                                        {"Dir::Cache", (state / "cache").string()},
                                                        {"Dir::Etc::SourceList", (state / "sources.list").string()},
                                                        {"Dir::Etc::SourceParts", "/nonexistent"},
                                                        {"Dir::State::Status", (state / "status").string()},
                                                        {"APT::Architecture", info.debian_arch},
                                                        {"APT::Architectures", info.debian_arch},
                                                        {"Debug::NoLocking", "1"}})
    o.insert(o.end(), {"-o", k + "=" + v});
  if (geteuid() == 0) o.insert(o.end(), {"-o", "APT::Sandbox::User=root"});
  auto apt = [&](const char* tool, std::vector<std::string> args) {
    std::vector<std::string> argv = {tool};
    argv.insert(argv.end(), o.begin(), o.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  if (auto r = run_quiet(apt("apt-get", {"update"})); !r) return r.error();

  std::vector<std::string> all;
  std::deque<std::string> queue(packages.begin(), packages.end());
  while (!queue.empty()) {
    std::string p = queue.front();
    queue.pop_front();
    if (std::find(all.begin(), all.end(), p) != all.end()) continue;
    all.push_back(p);
    auto deps = run_quiet(apt("apt-cache", {"depends", "--no-recommends", "--no-suggests", "--no-conflicts",
                                            "--no-breaks", "--no-replaces", "--no-enhances", p}));
    if (!deps) return deps.error();
    for (auto& d : sysroot_dependencies(*deps)) queue.push_back(d);
  }
  auto download = apt("apt-get", {"download"});
  download.insert(download.end(), all.begin(), all.end());
  if (auto r = run_quiet(download, (state / "debs").string()); !r) return r.error();
  for (const auto& deb : fs::directory_iterator(state / "debs"))
    if (auto r = run_quiet({"dpkg-deb", "-x", deb.path().string(), root}); !r) return r.error();
  XSHIP_TRY(relink_absolute_symlinks(root));
  std::ofstream marker(root + "/.xship-packages", std::ios::app);
  for (const auto& p : all) marker << p << "\n";
  return ok_status();
}

}  // namespace xship::cross
