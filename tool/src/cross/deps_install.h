// What this machine has of a deps plan (cross/deps.h), and getting the rest: apt-get
// (through sudo unless root) for the system and multiarch packages, a private sysroot for
// the others.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/deps.h"

namespace xship::cross {

struct NeedState {
  PackageNeed need;
  bool installed = false;
};

struct TargetDepsState {
  Target target;
  std::string sysroot;  // its private sysroot, where PrivateSysroot needs go
  std::vector<NeedState> needs;
  std::string problem;  // as in TargetDeps
};

// What is missing and not optional, by the way it gets installed.
struct MissingDeps {
  std::vector<std::string> apt;  // system and multiarch packages, once each
  std::set<std::string> new_arches;  // dpkg architectures to add first
  std::map<std::string, std::vector<std::string>> unpack;  // target name -> packages for its private sysroot
  std::size_t count() const;
  // The shell line that installs the apt ones, "" when there are none.
  std::string command(bool root) const;
};

struct DepsSurvey {
  std::vector<TargetDepsState> targets;
  MissingDeps missing;
};

// Asks dpkg (and each private sysroot's record) which of the plan's packages are installed.
DepsSurvey survey_deps(const std::vector<TargetDeps>& plan, const Host& host);

// Whether dpkg-query's "STATUS ARCH" lines for `package` say it is installed. A multiarch
// package answers one line per architecture: an unqualified name needs the host's own (or
// an "all" package), "NAME:ARCH" that one.
bool dpkg_says_installed(const std::string& dpkg_query_output, const std::string& package,
                         const std::string& host_arch);

// Adds the architectures, updates apt's index (removing those architectures again when that
// fails), installs the apt packages, then fills the private sysroots. `say` gets a line
// before each step; apt's own progress goes to stderr.
Status install_deps(const MissingDeps& missing, const Host& host, const std::function<void(const std::string&)>& say,
                    const std::atomic<bool>* interrupt);

}  // namespace xship::cross
