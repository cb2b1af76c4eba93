// Destination templates: "s3://{bucket}/artifacts/{repo}/{branch}" style placeholders
// filled from git and the CI environment (Travis, GitHub Actions, GitLab).
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "core/env.h"
#include "core/result.h"

namespace xship {

// What a build knows about itself. Empty fields are unknown.
struct BuildInfo {
  std::string repo;  // "owner/name"
  std::string branch;  // "main"
  std::string commit;  // full hash
  std::string tag;  // "v1.2.3" or empty
  std::string version;  // tag without a leading 'v', else git describe, else short commit
  std::string date;  // YYYY-MM-DD (UTC) of the run
  std::string ci;  // "travis", "github", "gitlab" or "" (local)
};

// Reads TRAVIS_*, GITHUB_*, CI_* (GitLab) variables first, then asks git in `repo_dir`
// (remote origin URL -> owner/name, rev-parse, describe). Never fails: unknown stays empty.
BuildInfo detect_build_info(const EnvLookup& env, const std::string& repo_dir);
// The same with the run's date taken from `now`, so tests can fix the clock.
BuildInfo detect_build_info(const EnvLookup& env, const std::string& repo_dir,
                            std::chrono::system_clock::time_point now);

// "YYYY-MM-DD" in UTC.
std::string utc_date(std::chrono::system_clock::time_point t);

// A git remote URL (https://, ssh://, scp-like git@host:path) -> "owner/name" (the whole
// path, so GitLab subgroups stay), ".git" stripped; "" for local paths and anything else.
std::string repo_from_remote_url(const std::string& url);

// The placeholders: {repo} {branch} {commit} {short_commit} {tag} {version} {os} {arch} {date}.
// `extra` supplies {os}/{arch} per file when known. An unknown placeholder, an unclosed
// '{', or a placeholder whose value is unknown/empty is a Usage error naming it and the
// variable that would set it.
Result<std::string> expand_template(const std::string& text, const BuildInfo& info,
                                    const std::map<std::string, std::string>& extra = {});

// The Travis artifacts convention.
inline constexpr const char* kDefaultDestinationTemplate = "s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}";

}  // namespace xship
