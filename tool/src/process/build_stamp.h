// The build stamp every program and archive gets: version, commit and commit time, from
// the environment when the caller was given them, else from git. One reading for `build`,
// `env`/`toolchain` and `compress --archive`, so a bad SOURCE_DATE_EPOCH fails them alike.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace xship::process {

struct StampRequest {
  std::string dir = ".";  // the git checkout asked
  // What the environment gave (XSHIP_VERSION, XSHIP_COMMIT, SOURCE_DATE_EPOCH): a value
  // given is not asked of git. An empty SOURCE_DATE_EPOCH counts as unset.
  std::optional<std::string> version, commit, epoch;
  bool need_version = true;  // false: no `git describe` (an archive needs only the time)
  bool need_commit = true;  // false: with an epoch given, no git at all
};

struct BuildStamp {
  std::optional<std::string> version;  // nullopt: neither given nor known to git
  std::optional<std::string> commit;
  std::optional<std::int64_t> epoch;  // nullopt: no SOURCE_DATE_EPOCH and no commit
};

// A Usage error only for a SOURCE_DATE_EPOCH that is set but not a valid time.
Result<BuildStamp> read_build_stamp(const StampRequest& req);

}  // namespace xship::process
