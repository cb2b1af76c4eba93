// `xship verify --rebuild`: the strongest check of a release. Its builds are reproducible,
// so a checkout of the commit its signed provenance records, built again with the recorded
// SOURCE_DATE_EPOCH, must give the published files byte for byte.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "release/provenance.h"

namespace xship::fetch {

struct RebuildRequest {
  std::string repo_dir = ".";  // a clone that has the recorded commit
  std::string command;  // the build, as typed: `make -f ci.mk build`
  std::string dist = "dist";  // where the build writes the release, relative to the checkout
  std::string log_path;  // the build's output
};

struct RebuildResult {
  std::vector<std::string> matched;  // rebuilt byte for byte
  std::vector<std::string> not_rebuilt;  // published, but not made by this build (a README, another job's target)
};

// Checks out `b.commit` in a temporary git worktree, runs the command there, and compares
// each subject under `dist` by SHA-256. A file that differs is an Integrity error naming
// it; a build that made none of them is one too. The worktree is removed in every case.
Result<RebuildResult> rebuild_and_compare(const release::RecordedBuild& b, const RebuildRequest& req);

}  // namespace xship::fetch
