#include "cross/deps_install.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "process/process.h"

namespace xship::cross {

namespace {

bool package_installed(const std::string& package) {
  auto r = process::capture({"dpkg-query", "-W", "-f=${db:Status-Status} ${Architecture}\n", package});
  if (!r || !r->success()) return false;
  return dpkg_says_installed(r->output, package, target_info(host_target()).debian_arch);
}

Status run_apt(const std::vector<std::string>& argv, bool root, const std::function<void(const std::string&)>& say,
               const std::atomic<bool>* interrupt) {
  std::vector<std::string> full = argv;
  if (!root) full.insert(full.begin(), "sudo");
  say(fmt::format("running {}", shell_join(full)));
  process::Command cmd;
  cmd.argv = full;
  cmd.env = {{"DEBIAN_FRONTEND", "noninteractive"}};
  cmd.log_path = "/dev/stderr";  // apt's progress belongs on the user's terminal
  cmd.should_stop = [interrupt] { return interrupt && interrupt->load(); };  // its own process group misses Ctrl-C
  auto r = process::run(cmd);
  if (!r) return r.error();
  if (!r->success()) return runtime_error(fmt::format("'{}' failed ({})", shell_join(full), r->describe()));
  return ok_status();
}

}  // namespace

bool dpkg_says_installed(const std::string& output, const std::string& package, const std::string& host_arch) {
  bool qualified = package.find(':') != std::string::npos;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    auto space = line.find(' ');
    if (line.substr(0, space) != "installed") continue;
    std::string arch = space == std::string::npos ? "" : line.substr(space + 1);
    if (qualified || arch == host_arch || arch == "all") return true;
  }
  return false;
}

std::size_t MissingDeps::count() const {
  std::size_t n = apt.size();
  for (const auto& [t, pkgs] : unpack) n += pkgs.size();
  return n;
}

std::string MissingDeps::command(bool root) const {
  if (apt.empty()) return "";
  std::string sudo = root ? "" : "sudo ";
  std::string command;
  for (const auto& a : new_arches) command += fmt::format("{}dpkg --add-architecture {} && ", sudo, a);
  std::string pkgs;
  for (const auto& m : apt) pkgs += (pkgs.empty() ? "" : " ") + m;
  return command + fmt::format("{}apt-get update && {}", sudo, apt_install_line(pkgs, root));
}

DepsSurvey survey_deps(const std::vector<TargetDeps>& plan, const Host& host) {
  DepsSurvey out;
  MissingDeps& missing = out.missing;
  for (const auto& d : plan) {
    TargetDepsState state{d.target, private_sysroot(d.target, host.env), {}, d.problem};
    for (const auto& p : d.packages) {
      bool own = p.route == Route::PrivateSysroot;
      bool have = own ? private_sysroot_has(state.sysroot, p.package) : package_installed(p.package);
      state.needs.push_back({p, have});
      if (have || p.optional) continue;
      if (own)
        missing.unpack[d.target.name()].push_back(p.package);
      else if (std::find(missing.apt.begin(), missing.apt.end(), p.package) == missing.apt.end())
        missing.apt.push_back(p.package);
      if (p.route == Route::Multiarch) missing.new_arches.insert(p.arch);
    }
    out.targets.push_back(std::move(state));
  }
  // Architectures dpkg already has need no adding.
  auto known = process::capture({"dpkg", "--print-foreign-architectures"});
  std::erase_if(missing.new_arches, [&](const std::string& a) {
    return known && known->success() && known->output.find(a) != std::string::npos;
  });
  return out;
}

Status install_deps(const MissingDeps& missing, const Host& host, const std::function<void(const std::string&)>& say,
                    const std::atomic<bool>* interrupt) {
  if (!missing.apt.empty()) {
    for (const auto& a : missing.new_arches)
      XSHIP_TRY(run_apt({"dpkg", "--add-architecture", a}, host.root, say, interrupt));
    if (Status updated = run_apt({"apt-get", "update", "-qq"}, host.root, say, interrupt); !updated) {
      // A mirror without the new architecture's indexes would break every later apt-get.
      for (const auto& a : missing.new_arches)
        (void)run_apt({"dpkg", "--remove-architecture", a}, host.root, say, interrupt);
      return runtime_error(fmt::format("apt-get update failed{}: {}",
                                       missing.new_arches.empty() ? "" : " (added architectures removed again)",
                                       updated.error().message));
    }
    std::vector<std::string> argv = {"apt-get", "install", "-y", "-qq", "--no-install-recommends"};
    argv.insert(argv.end(), missing.apt.begin(), missing.apt.end());
    XSHIP_TRY(run_apt(argv, host.root, say, interrupt));
  }
  for (const auto& [t, pkgs] : missing.unpack) {
    auto target = parse_target(t);
    if (!target) return target.error();
    say(fmt::format("{}: downloading {} (and the libraries they need) into {}", t, shell_join(pkgs),
                    private_sysroot(*target, host.env)));
    XSHIP_TRY(install_private_sysroot(target_info(*target), pkgs, host.env));
  }
  return ok_status();
}

}  // namespace xship::cross
