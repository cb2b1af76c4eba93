// `xship prune --keep N s3://BUCKET/PREFIX/`: keep the newest N releases under a prefix
// and delete the rest (publish/prune.h); --dry-run only lists.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/connection.h"
#include "cli/publish_flags.h"
#include "core/cancel.h"
#include "core/env.h"
#include "core/terminal.h"
#include "publish/prune.h"
#include "release/template.h"

namespace xship::cli {

namespace {

struct PruneFlags {
  std::string prefix, keep_text, etag_check = "on", repo_dir = ".";
  bool dry_run = false, json = false;
  ConnectionFlags conn;
};

Result<int> parse_keep(const std::string& text) {
  if (text.empty()) return usage_error("--keep N is required: how many of the newest releases to keep, 1 or more");
  bool digits = text.size() <= 9 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  int n = digits ? std::stoi(text) : 0;
  if (n < 1)
    return usage_error(
        fmt::format("--keep '{}' is not a number of releases: give 1 or more (deleting every release "
                    "is not what prune is for)",
                    printable(text, 64)));
  return n;
}

// The prefix given (placeholders expanded as publish's --to), or the folder publish's default
// destination is in: s3://$ARTIFACTS_BUCKET/artifacts/{repo}/.
Result<S3Location> parse_prefix(std::string text, const std::string& repo_dir) {
  if (text.empty()) {
    auto d = default_destination();
    if (!d)
      return usage_error(
          "no prefix: xship prune --keep N s3://BUCKET/PREFIX/ (the folder holding the releases), "
          "or set ARTIFACTS_BUCKET");
    text = d->substr(0, d->find_last_of('/') + 1);
  }
  auto expanded = expand_template(text, detect_build_info(process_env(), repo_dir));
  if (!expanded) return expanded.error();
  auto loc = parse_s3_url(*expanded);
  if (!loc) return loc.error();
  if (!loc->key.empty() && !loc->key.ends_with('/')) loc->key += '/';  // releases/ and releases name one folder
  return loc;
}

const char* verdict_word(publish::Verdict v, bool dry_run) {
  switch (v) {
    case publish::Verdict::Keep: return "keep";
    case publish::Verdict::Aliased: return "alias";
    case publish::Verdict::Remove: return dry_run ? "would remove" : "remove";
    case publish::Verdict::NoManifest: return "no manifest";
    case publish::Verdict::Unreadable: return "unreadable";
  }
  return "";
}

void print_report(const publish::PruneReport& r, const S3Location& at, const PruneFlags& f) {
  auto url = [&](const std::string& p) { return fmt::format("s3://{}/{}", at.bucket, p); };
  std::size_t removed = 0;
  for (const auto& d : r.plan.folders) removed += d.verdict == publish::Verdict::Remove;
  if (f.json) {
    nlohmann::json j{
        {"dry_run", f.dry_run}, {"releases_removed", removed},        {"keys", r.plan.keys},
        {"deleted", r.deleted}, {"folders", nlohmann::json::array()}, {"refused", nlohmann::json::array()}};
    for (const auto& d : r.plan.folders)
      j["folders"].push_back({{"url", url(d.prefix)},
                              {"verdict", verdict_word(d.verdict, f.dry_run)},
                              {"modified", d.modified},
                              {"objects", d.objects},
                              {"same_as", d.same_as}});
    for (const auto& e : r.refused) j["refused"].push_back({{"key", e.key}, {"code", e.code}, {"message", e.message}});
    fmt::print("{}\n", json_text(j));
    return;
  }
  for (const auto& d : r.plan.folders) {
    std::string why =
        d.verdict == publish::Verdict::Aliased      ? fmt::format(" (same manifest as {})", printable(d.same_as))
        : d.verdict == publish::Verdict::NoManifest ? " (not a release: left alone)"
        : d.verdict == publish::Verdict::Unreadable ? " (manifest.json unreadable: left alone)"
                                                    : fmt::format(" ({}, {} objects)", d.modified, d.objects);
    fmt::print("{:<12}  {}{}\n", verdict_word(d.verdict, f.dry_run), printable(url(d.prefix)), why);
  }
  fmt::print("{} {} release(s), {} object(s)\n", f.dry_run ? "would remove" : "removed", removed,
             f.dry_run ? r.plan.keys : r.deleted);
}

// Each key the store refused on stderr; permission when every refusal was one.
Status refusals(const publish::PruneReport& r, const S3Location& at) {
  if (r.refused.empty()) return ok_status();
  bool denied = true;
  for (const auto& e : r.refused) {
    fmt::print(stderr, "xship: could not delete s3://{}/{}: {} {}\n", at.bucket, printable(e.key), printable(e.code),
               printable(e.message, 200));
    denied = denied && e.code == "AccessDenied";
  }
  std::string m = fmt::format("{} of {} keys were not deleted (listed above); run prune again once fixed",
                              r.refused.size(), r.plan.keys);
  return denied ? credentials_error(m + ": the credentials may not delete here") : runtime_error(m);
}

}  // namespace

Status run_prune(int argc, char** argv) {
  CLI::App app{
      "Keep the newest N releases under a prefix (each a folder with a manifest.json, dated by it) and delete "
      "the rest with DeleteObjects. Folders without a manifest and releases an alias points to are never "
      "touched",
      "prune"};
  PruneFlags f;
  app.add_option("prefix", f.prefix,
                 "s3://BUCKET/PREFIX/ holding one folder per release; placeholders as publish's "
                 "--to; default s3://$ARTIFACTS_BUCKET/artifacts/{repo}/");
  app.add_option("--repo-dir", f.repo_dir, "Git work tree for the placeholders")->capture_default_str();
  app.add_option("--keep", f.keep_text, "How many of the newest releases to keep (1 or more)")->option_text("N");
  app.add_flag("--dry-run", f.dry_run, "List what would be deleted; delete nothing");
  app.add_option("--etag-check", f.etag_check, "on, or off for stores whose ETags are not MD5s (reading the manifests)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_flag("--json", f.json, "Print a machine-readable result on stdout");
  add_connection_flags(app, f.conn);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  auto keep = parse_keep(f.keep_text);
  if (!keep) return keep.error();
  auto at = parse_prefix(f.prefix, f.repo_dir);
  if (!at) return at.error();

  auto cfg = make_client_config(f.conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  auto report = publish::run_prune(client, *at, {*keep, f.dry_run, f.etag_check == "on"}, &cancel_flag());
  if (!report) return report.error();
  print_report(*report, *at, f);
  return refusals(*report, *at);
}

}  // namespace xship::cli
