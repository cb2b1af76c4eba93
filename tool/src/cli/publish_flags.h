// `xship publish`'s command line as typed options: registered with CLI11, then validated
// (sizes parsed, flags checked against each other) before anything runs.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/connection.h"
#include "core/result.h"
#include "publish/header_rules.h"
#include "publish/uploader.h"

namespace xship::cli {

struct PublishFlags {
  std::vector<std::string> paths, to;
  bool untracked = false, json = false, dry_run = false, check = false, no_manifest = false, no_follow = false;
  bool merge = false;
  std::string threshold_text = "16MiB", part_text = "8MiB", etag_check = "on", repo_dir = ".";
  std::string copy_threshold_text = "5GiB", copy_part_text = "512MiB";
  std::string job_manifest, merge_commit, sign_key_path;
  std::vector<std::string> aliases;  // --alias: mirrored after the release is complete (publish/alias.h)
  publish::HeaderFlags headers;  // parsed into opts.headers by validate()
  std::string url_base_text;  // --url-base
  std::string presign_text;  // --presign
  bool no_page = false;  // --no-page
  publish::PublishOptions opts;  // --concurrency, --force, --no-overwrite, --state-dir land here directly
  ConnectionFlags conn;

  void add_to(CLI::App& app);
  bool commit_given() const { return commit_opt_ && commit_opt_->count() > 0; }
  // Parses the sizes into `opts` and checks the flags against each other. Usage errors
  // name the fix.
  Status validate();

 private:
  Status parse_sizes();
  void add_release_flags(CLI::App& app);
  void add_link_flags(CLI::App& app);
  void add_header_flags(CLI::App& app);
  Status check_modes() const;
  Status check_aliases() const;
  Status parse_links();
  CLI::Option* commit_opt_ = nullptr;
};

// s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}, where publish goes without --to (and
// whose parent prune looks in without a prefix); Usage error when the variable is unset.
Result<std::string> default_destination();

}  // namespace xship::cli
