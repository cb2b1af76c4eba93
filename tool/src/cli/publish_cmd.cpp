// `xship publish`: flags -> typed options -> plan -> engine -> report.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/connection.h"
#include "cli/publish_flags.h"
#include "cli/publish_report.h"
#include "cli/signing_keys.h"
#include "compress/digest_cache.h"
#include "core/cancel.h"
#include "core/env.h"
#include "core/terminal.h"
#include "core/units.h"
#include "cross/compiler_version.h"
#include "publish/alias.h"
#include "publish/artifacts.h"
#include "publish/merge.h"
#include "publish/plan.h"
#include "publish/uploader.h"
#include "release/template.h"

namespace xship::cli {

// The Travis convention when no --to is given: s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}.
Result<std::string> default_destination() {
  auto env = process_env();
  auto bucket = env("ARTIFACTS_BUCKET");
  if (!bucket || bucket->empty()) bucket = env("ARTIFACTS_S3_BUCKET");
  if (!bucket || bucket->empty())
    return usage_error("no destination: pass --to s3://BUCKET/PREFIX or set ARTIFACTS_BUCKET");
  std::string d = kDefaultDestinationTemplate;
  return d.replace(d.find("$ARTIFACTS_BUCKET"), 17, *bucket);
}

namespace {

// A one-line progress bar on a terminal; plain lines otherwise.
class ProgressBar {
 public:
  ProgressBar(publish::Progress& p, bool enabled) : p_(p), enabled_(enabled) {
    if (enabled_) thread_ = std::thread([this] { loop(); });
  }
  ~ProgressBar() { stop(); }
  void stop() {
    if (!enabled_) return;
    done_ = true;
    thread_.join();
    enabled_ = false;
    fmt::print(stderr, "\r\033[K");
  }

 private:
  void loop() {
    auto start = std::chrono::steady_clock::now();
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::uint64_t done = p_.bytes_done, total = std::max<std::uint64_t>(1, p_.bytes_total);
      std::size_t width = 30,
                  filled = static_cast<std::size_t>(double(width) * std::min(1.0, double(done) / double(total)));
      fmt::print(stderr, "\r[{}{}] {:3.0f}% {} / {}  {}/s\033[K", std::string(filled, '='),
                 std::string(width - filled, ' '), 100.0 * double(done) / double(total), human_size(done),
                 human_size(total), human_size(static_cast<std::uint64_t>(double(done) / std::max(secs, 0.001))));
    }
  }
  publish::Progress& p_;
  bool enabled_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The release key, when one is given. A matrix job does not sign (the merge step signs the
// whole release once), so it needs no key: XSHIP_SIGNING_KEY set for every job is ignored.
Result<std::optional<minisign::SecretKey>> signing_key_for(const std::string& path, bool job, bool no_manifest) {
  if (!path.empty() && job)
    return usage_error("--sign-key with --job-manifest: jobs do not sign; give the key to the --merge-manifests step");
  if (!path.empty() && no_manifest)
    return usage_error("--sign-key with --no-manifest: there is no SHA256SUMS to sign; drop one of them");
  if (job || no_manifest) return std::optional<minisign::SecretKey>{};
  return load_signing_key(path, process_env());
}

// The --to templates expanded (or the default destination), as s3:// locations.
Result<std::vector<S3Location>> destinations(std::vector<std::string> to, const BuildInfo& info) {
  if (to.empty()) {
    auto d = default_destination();
    if (!d) return d.error();
    to.push_back(*d);
  }
  std::vector<S3Location> out;
  for (const auto& t : to) {
    auto expanded = expand_template(t, info);
    if (!expanded) return expanded.error();
    auto loc = parse_s3_url(*expanded);
    if (!loc) return loc.error();
    out.push_back(*loc);
  }
  return out;
}

// --alias: a NAME beside each destination, or one s3:// prefix mirroring the first (the
// one that got the bytes). Resolved before anything is uploaded, moved once it is complete.
struct AliasMove {
  S3Location release, alias;
};

Result<std::vector<AliasMove>> plan_aliases(const PublishFlags& f, const BuildInfo& info) {
  std::vector<AliasMove> moves;
  for (const auto& text : f.aliases) {
    auto expanded = expand_template(text, info);
    if (!expanded) return expanded.error();
    const bool absolute = expanded->starts_with("s3://");
    for (std::size_t d = 0; d < (absolute ? 1 : f.opts.destinations.size()); ++d) {
      auto alias = publish::resolve_alias(*expanded, f.opts.destinations[d]);
      if (!alias) return alias.error();
      moves.push_back({f.opts.destinations[d], *alias});
    }
  }
  return moves;
}

Status move_aliases(s3::Client& client, const PublishFlags& f, const std::vector<AliasMove>& moves) {
  const publish::AliasOptions aopts{f.opts.concurrency, f.opts.etag_check, f.opts.copy_threshold, f.opts.copy_part_size,
                                    f.opts.headers};
  for (const auto& m : moves) {
    auto moved = publish::move_alias(client, m.release, m.alias, aopts, &cancel_flag());
    if (!moved) return moved.error();
    fmt::print(f.json ? stderr : stdout, "alias  s3://{}/{} -> s3://{}/{} ({} copied, {} unchanged, {} removed)\n",
               m.alias.bucket, printable(m.alias.key), m.release.bucket,
               printable(m.release.key.ends_with('/') ? m.release.key : m.release.key + '/'), moved->copied,
               moved->unchanged, moved->removed);
  }
  return ok_status();
}

// --merge-manifests: the final step of a matrix CI run.
Status merge_command(const PublishFlags& f, const BuildInfo& info, const std::vector<AliasMove>& aliases) {
  publish::MergeOptions mopts;
  mopts.commit = !f.commit_given() ? info.commit : f.merge_commit == "any" ? "" : f.merge_commit;
  mopts.etag_check = f.opts.etag_check;
  mopts.force = f.opts.force;
  mopts.concurrency = f.opts.concurrency;
  mopts.sign_key = f.opts.sign_key;
  mopts.provenance = f.opts.provenance;
  mopts.headers = f.opts.headers;
  mopts.write_page = f.opts.write_page;
  auto cfg = make_client_config(f.conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  auto links = publish::Links::make(client, f.opts.url_base, f.opts.presign, client.config().now());
  if (!links) return links.error();
  mopts.links = std::move(*links);
  auto report = publish::merge_manifests(client, f.opts.destinations[0], mopts, &cancel_flag());
  if (!report) return report.error();
  print_merge_report(*report, f.json);
  return move_aliases(client, f, aliases);
}

// The files planned and uploaded (or, --dry-run, listed).
Status publish_command(PublishFlags& f, const BuildInfo& info, const std::vector<AliasMove>& aliases) {
  auto plan = publish::plan_publish(
      f.paths, {f.untracked, f.repo_dir, f.no_follow ? publish::Symlinks::Skip : publish::Symlinks::Follow});
  if (!plan) return plan.error();
  for (const auto& link : plan->skipped_links)
    fmt::print(stderr, "xship: note: skipped symlink '{}' (--no-follow-symlinks)\n", printable(link));
  auto& files = plan->files;
  f.opts.digest_cache = compress::default_digest_cache_path(process_env());
  publish::attach_artifacts(files, compress::DigestCache(f.opts.digest_cache));
  if (!f.job_manifest.empty()) {
    auto name = publish::job_manifest_name(f.job_manifest, files, info);
    if (!name) return name.error();
    f.opts.job_manifest = *name;
  }
  if (f.dry_run) return print_dry_run(f.opts, files, f.json);

  auto cfg = make_client_config(f.conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  publish::Progress progress;
  bool tty = isatty(STDERR_FILENO) && !f.json && !f.conn.debug;
  auto start = std::chrono::steady_clock::now();
  ProgressBar bar(progress, tty);
  auto report = publish::run_publish(client, files, f.opts, info, file_printer(f.json, tty), &progress, &cancel_flag());
  bar.stop();
  if (!report) return report.error();
  print_publish_summary(*report, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                        f.json);
  return move_aliases(client, f, aliases);
}

}  // namespace

Status run_publish(int argc, char** argv) {
  CLI::App app{
      "Publish files to S3 with MD5-verified PUTs; SHA256SUMS (signed with --sign-key) and manifest.json go "
      "last.",
      "publish"};
  app.footer(
      "Matrix CI (one target per job, any number of machines):\n"
      "  each job:   xship publish --job-manifest {os}-{arch} dist/   (writes PREFIX/manifests/linux-arm64.json)\n"
      "  then once:  xship publish --merge-manifests                  (writes PREFIX/SHA256SUMS, manifest.json)\n"
      "The merge gives the same bytes whatever order the jobs finished in, and is safe to run again.");
  PublishFlags f;
  f.add_to(app);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();
  XSHIP_TRY(f.validate());

  auto sign_key = signing_key_for(f.sign_key_path, !f.job_manifest.empty(), f.no_manifest);
  if (!sign_key) return sign_key.error();
  f.opts.sign_key = *sign_key ? &**sign_key : nullptr;
  BuildInfo info = detect_build_info(process_env(), f.repo_dir);
  release::ProvenanceFacts provenance = release::provenance_facts(info, process_env());
  provenance.compiler_version = cross::compiler_version;
  f.opts.provenance = &provenance;
  auto dests = destinations(f.to, info);
  if (!dests) return dests.error();
  f.opts.destinations = std::move(*dests);
  auto aliases = plan_aliases(f, info);
  if (!aliases) return aliases.error();
  if (f.check) return check_destinations(f.conn, f.opts.destinations, f.json);
  if (f.merge) return merge_command(f, info, *aliases);
  return publish_command(f, info, *aliases);
}

}  // namespace xship::cli
