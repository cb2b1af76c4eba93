// `xship publish`: flags -> typed options -> plan -> engine -> report.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "cli/connection.h"
#include "cli/signing_keys.h"
#include "compress/digest_cache.h"
#include "core/cancel.h"
#include "core/env.h"
#include "core/terminal.h"
#include "core/units.h"
#include "cross/compiler_version.h"
#include "publish/artifacts.h"
#include "publish/merge.h"
#include "publish/plan.h"
#include "publish/uploader.h"
#include "release/template.h"

namespace xship::cli {

namespace {

const char* status_word(publish::FileStatus s) {
  switch (s) {
    case publish::FileStatus::Uploaded: return "uploaded";
    case publish::FileStatus::Skipped: return "skipped";
    case publish::FileStatus::Copied: return "copied";
  }
  return "";
}

// The Travis convention when no --to is given: s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}.
Result<std::string> default_destination() {
  const char* bucket = std::getenv("ARTIFACTS_BUCKET");
  if (!bucket || !*bucket) bucket = std::getenv("ARTIFACTS_S3_BUCKET");
  if (!bucket || !*bucket)
    return usage_error("no destination: pass --to s3://BUCKET/PREFIX or set ARTIFACTS_BUCKET");
  std::string d = kDefaultDestinationTemplate;
  return d.replace(d.find("$ARTIFACTS_BUCKET"), 17, bucket);
}

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
      int width = 30, filled = static_cast<int>(width * std::min(1.0, double(done) / double(total)));
      fmt::print(stderr, "\r[{}{}] {:3.0f}% {} / {}  {}/s\033[K", std::string(filled, '='), std::string(width - filled, ' '),
                 100.0 * double(done) / double(total), human_size(done), human_size(total),
                 human_size(static_cast<std::uint64_t>(double(done) / std::max(secs, 0.001))));
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

// --merge-manifests: the final step of a matrix CI run.
Status merge_command(s3::Client& client, const S3Location& dest, const publish::MergeOptions& opts, bool json) {
  auto report = publish::merge_manifests(client, dest, opts, &cancel_flag());
  if (!report) return report.error();
  const auto& m = report->merged;
  if (json) {
    nlohmann::ordered_json out;
    out["jobs"] = m.jobs;
    out["skipped_jobs"] = m.skipped;
    out["files"] = nlohmann::ordered_json::array();
    for (const auto& e : m.files) {
      auto f = release::entry_json(e);
      f["job"] = m.job_of.at(e.name);
      out["files"].push_back(std::move(f));
    }
    out["written"] = report->written;
    out["manifests"] = {report->manifest_url};
    fmt::print("{}\n", json_text(out));
    return ok_status();
  }
  for (const auto& e : m.files)
    fmt::print("{:<14} {:>10}  {}  {}\n", m.job_of.at(e.name), human_size(e.size), printable(e.md5), printable(e.url));
  if (!m.skipped.empty())
    fmt::print(stderr, "xship: skipped {} job manifest(s) of another commit (left by an earlier push): {}\n", m.skipped.size(),
               fmt::join(m.skipped, ", "));
  fmt::print("merged {} job manifests ({}) into {} files; SHA256SUMS and manifest.json {}\n", m.jobs.size(),
             fmt::join(m.jobs, ", "), m.files.size(), report->written ? "written" : "unchanged (already merged)");
  fmt::print("manifest {}\n", report->manifest_url);
  return ok_status();
}

}  // namespace

Status run_publish(int argc, char** argv) {
  CLI::App app{"Publish files to S3 with MD5-verified PUTs; SHA256SUMS (signed with --sign-key) and manifest.json go "
               "last.", "publish"};
  app.footer("Matrix CI (one target per job, any number of machines):\n"
             "  each job:   xship publish --job-manifest {os}-{arch} dist/   (writes PREFIX/manifests/linux-arm64.json)\n"
             "  then once:  xship publish --merge-manifests                  (writes PREFIX/SHA256SUMS, manifest.json)\n"
             "The merge gives the same bytes whatever order the jobs finished in, and is safe to run again.");
  std::vector<std::string> paths, to;
  bool untracked = false, json = false, dry_run = false, check = false, no_manifest = false, no_follow = false;
  std::string threshold_text = "16MiB", part_text = "8MiB", etag_check = "on", repo_dir = ".";
  std::string copy_threshold_text = "5GiB", copy_part_text = "512MiB";
  publish::PublishOptions opts;
  ConnectionFlags conn;
  app.add_option("paths", paths, "Files or directories (recursed) to publish");
  app.add_option("--to", to, "Destination s3://BUCKET/PREFIX, repeatable; placeholders {repo} {branch} {commit} "
                             "{short_commit} {tag} {version} {os} {arch} {date}; default "
                             "s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}")->allow_extra_args(false);
  app.add_flag("--untracked", untracked, "Also publish files git neither tracks nor ignores");
  app.add_flag("--no-follow-symlinks", no_follow, "Skip symlinks found in directories (with a note) instead of publishing "
                                                  "their targets' bytes under the links' names");
  app.add_option("--repo-dir", repo_dir, "Git work tree for {repo} {branch} {commit} and --untracked")->capture_default_str();
  app.add_option("--multipart-threshold", threshold_text, "Files above this size go up in parts")->capture_default_str();
  app.add_option("--part-size", part_text, "Multipart part size (min 5MiB; grown to stay within 10,000 parts)")->capture_default_str();
  app.add_option("--concurrency", opts.concurrency, "Parallel requests (files and parts)")->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--copy-threshold", copy_threshold_text, "Server-side copies above this size go by UploadPartCopy (max 5GiB)")->capture_default_str();
  app.add_option("--copy-part-size", copy_part_text, "Part size of those copies (min 5MiB)")->capture_default_str();
  app.add_flag("--force", opts.force, "Upload even when an identical object is already there");
  app.add_flag("--no-overwrite", opts.no_overwrite, "Never replace an existing object (sends If-None-Match: *)");
  app.add_option("--etag-check", etag_check, "on, or off for stores whose ETags are not MD5s (some vendors, SSE-KMS); "
                                             "the server still checks Content-MD5")->check(CLI::IsMember({"on", "off"}))->capture_default_str();
  app.add_option("--state-dir", opts.state_dir, "Where uploads in flight are recorded, so a killed run resumes; '' disables")->capture_default_str();
  app.add_flag("--no-manifest", no_manifest, "Do not write SHA256SUMS and manifest.json");
  std::string job_manifest, merge_commit;
  bool merge = false;
  app.add_option("--job-manifest", job_manifest,
                 "Matrix CI, one target per job: write this job's manifest as PREFIX/manifests/NAME.json instead of "
                 "SHA256SUMS and manifest.json, for --merge-manifests to combine. NAME must be unique per job: "
                 "{os}-{arch} (from the files' NAME.OS.ARCH names) or a CI job id; the --to placeholders work too")
      ->option_text("NAME");
  app.add_flag("--merge-manifests", merge,
               "Matrix CI, final step, no PATHs: merge every PREFIX/manifests/*.json under --to, check each listed "
               "object is still there as published, then write SHA256SUMS and manifest.json last. Two jobs that "
               "published one name with different contents: exit 3, nothing written");
  auto* commit_opt = app.add_option("--commit", merge_commit,
                                    "With --merge-manifests: merge the job manifests of this commit and skip older "
                                    "ones (default: the commit being built, from CI or git); 'any' merges all, "
                                    "which must then be of one build")
                        ->option_text("SHA|any");
  std::string sign_key_path;
  app.add_option("--sign-key", sign_key_path,
                 "Sign SHA256SUMS and manifest.json with this minisign secret key (minisign -G or xship keygen; "
                 "password from XSHIP_SIGNING_PASSWORD); default: the key text in XSHIP_SIGNING_KEY. Writes "
                 "SHA256SUMS.minisig, manifest.json.minisig and a signed provenance.intoto.json (in-toto/SLSA v1); "
                 "check with minisign -Vm SHA256SUMS -p KEY.pub")
      ->option_text("FILE");
  app.add_flag("--json", json, "Print a machine-readable result on stdout");
  app.add_flag("--dry-run", dry_run, "List keys and sizes; touch no network");
  app.add_flag("--check", check, "Only check the credentials and each destination (one signed ListObjectsV2 asking for "
               "no keys); upload nothing. For CI, before the build");
  add_connection_flags(app, conn);
  auto parsed = parse_args(app, argc, argv);
  if (!parsed) return parsed.error();
  if (!*parsed) return ok_status();

  auto threshold = parse_size(threshold_text, "--multipart-threshold");
  if (!threshold) return threshold.error();
  auto part = parse_size(part_text, "--part-size");
  if (!part) return part.error();
  if (*part < s3::kMinPartSize)
    return usage_error(fmt::format("--part-size {} is under S3's 5 MiB minimum: use 5MiB or more", part_text));
  if (*part > s3::kMaxPartSize)
    return usage_error(fmt::format("--part-size {} is over S3's 5 GiB maximum: use 5GiB or less", part_text));
  auto copy_threshold = parse_size(copy_threshold_text, "--copy-threshold");
  if (!copy_threshold) return copy_threshold.error();
  auto copy_part = parse_size(copy_part_text, "--copy-part-size");
  if (!copy_part) return copy_part.error();
  if (*copy_threshold > s3::kMaxCopyObjectSize)
    return usage_error(fmt::format("--copy-threshold {} is over CopyObject's 5 GiB limit: use 5GiB or less", copy_threshold_text));
  if (*copy_part < s3::kMinPartSize)
    return usage_error(fmt::format("--copy-part-size {} is under S3's 5 MiB minimum: use 5MiB or more", copy_part_text));
  opts.copy_threshold = *copy_threshold;
  opts.copy_part_size = *copy_part;
  opts.multipart_threshold = std::max<std::uint64_t>(*threshold, 1);
  opts.part_size = *part;
  opts.etag_check = etag_check == "on";
  opts.write_manifest = !no_manifest;
  if (check && (merge || dry_run))
    return usage_error("--check uploads nothing and merges nothing: drop --merge-manifests and --dry-run, or --check");
  if (check) {
    // No PATHs needed: in CI the check runs before the build that makes them.
  } else if (merge) {
    const std::pair<bool, const char*> not_with[] = {{!paths.empty(), "PATHs"},        {untracked, "--untracked"},
                                                     {!job_manifest.empty(), "--job-manifest"},
                                                     {no_manifest, "--no-manifest"}, {dry_run, "--dry-run"}};
    for (const auto& [given, what] : not_with)
      if (given)
        return usage_error(fmt::format("--merge-manifests takes no {}: it merges what the jobs published under --to; "
                                       "drop {}", what, what));
    if (to.size() > 1)
      return usage_error("--merge-manifests merges one prefix: pass one --to and run it once per destination");
  } else if (commit_opt->count()) {
    return usage_error("--commit only chooses which job manifests --merge-manifests merges: drop it, or add --merge-manifests");
  } else if (!job_manifest.empty() && no_manifest) {
    return usage_error("--job-manifest and --no-manifest contradict each other: the job manifest is how --merge-manifests "
                       "finds this job's files; drop one");
  } else if (paths.empty() && !untracked) {
    return usage_error("nothing to publish: name files or directories, or pass --untracked");
  }
  auto sign_key = signing_key_for(sign_key_path, !job_manifest.empty(), no_manifest);
  if (!sign_key) return sign_key.error();
  opts.sign_key = *sign_key ? &**sign_key : nullptr;
  BuildInfo info = detect_build_info(process_env(), repo_dir);
  release::ProvenanceFacts provenance = release::provenance_facts(info, process_env());
  provenance.compiler_version = cross::compiler_version;
  opts.provenance = &provenance;
  if (to.empty()) {
    auto d = default_destination();
    if (!d) return d.error();
    to.push_back(*d);
  }
  for (const auto& t : to) {
    auto expanded = expand_template(t, info);
    if (!expanded) return expanded.error();
    auto loc = parse_s3_url(*expanded);
    if (!loc) return loc.error();
    opts.destinations.push_back(*loc);
  }
  if (check) return check_destinations(conn, opts.destinations, json);
  if (merge) {
    publish::MergeOptions mopts;
    mopts.commit = !commit_opt->count() ? info.commit : merge_commit == "any" ? "" : merge_commit;
    mopts.etag_check = opts.etag_check;
    mopts.force = opts.force;
    mopts.concurrency = opts.concurrency;
    mopts.sign_key = opts.sign_key;
    mopts.provenance = opts.provenance;
    auto cfg = make_client_config(conn);
    if (!cfg) return cfg.error();
    s3::Client client(*cfg);
    return merge_command(client, opts.destinations[0], mopts, json);
  }

  auto plan = publish::plan_publish(
      paths, {untracked, repo_dir, no_follow ? publish::Symlinks::Skip : publish::Symlinks::Follow});
  if (!plan) return plan.error();
  for (const auto& link : plan->skipped_links)
    fmt::print(stderr, "xship: note: skipped symlink '{}' (--no-follow-symlinks)\n", printable(link));
  auto& files = plan->files;
  opts.digest_cache = compress::default_digest_cache_path(process_env());
  publish::attach_artifacts(files, compress::DigestCache(opts.digest_cache));
  if (!job_manifest.empty()) {
    auto name = publish::job_manifest_name(job_manifest, files, info);
    if (!name) return name.error();
    opts.job_manifest = *name;
  }

  if (dry_run) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : opts.destinations)
      for (const auto& f : files) {
        std::string key = join_key(d.key, f.relative);
        XSHIP_TRY(validate_key(key));
        if (json) out.push_back({{"bucket", d.bucket}, {"key", key}, {"size", f.stamp.size}});
        else fmt::print("would publish {:>10}  s3://{}/{}\n", human_size(f.stamp.size), d.bucket, printable(key));
      }
    if (!opts.job_manifest.empty() && !json)
      for (const auto& d : opts.destinations)
        fmt::print("would write job manifest s3://{}/{}\n", d.bucket, release::job_manifest_key(d.key, opts.job_manifest));
    if (opts.sign_key && !json)
      fmt::print("would sign SHA256SUMS and manifest.json with key {}\n", minisign::key_id_text(opts.sign_key->id));
    if (json) fmt::print("{}\n", json_text(out));
    return ok_status();
  }

  auto cfg = make_client_config(conn);
  if (!cfg) return cfg.error();
  s3::Client client(*cfg);
  publish::Progress progress;
  bool tty = isatty(STDERR_FILENO) && !json && !conn.debug;
  auto print_file = [&](const publish::FileResult& r) {
    if (json) return;
    std::string extra = r.retries ? fmt::format("  retries {}", r.retries) : "";
    if (r.parts_resumed) extra += fmt::format("  resumed {} of {} parts", r.parts_resumed, r.parts);
    if (tty) fmt::print(stderr, "\r\033[K");
    fmt::print("{:<8} {:>10}  {}  {}{}\n", status_word(r.status), human_size(r.size), r.md5, r.url, extra);
    std::fflush(stdout);
  };
  auto start = std::chrono::steady_clock::now();
  ProgressBar bar(progress, tty);
  auto report = publish::run_publish(client, files, opts, info, print_file, &progress, &cancel_flag());
  bar.stop();
  if (!report) return report.error();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (report->stale_uploads_aborted && !json)
    fmt::print(stderr, "xship: aborted {} multipart upload(s) left behind by an interrupted run\n", report->stale_uploads_aborted);
  int uploaded = 0, skipped = 0, copied = 0, retries = 0;
  for (const auto& r : report->files) {
    uploaded += r.status == publish::FileStatus::Uploaded;
    skipped += r.status == publish::FileStatus::Skipped;
    copied += r.status == publish::FileStatus::Copied;
    retries += r.retries;
  }
  if (json) {
    nlohmann::json out;
    out["files"] = nlohmann::json::array();
    for (const auto& r : report->files) {
      nlohmann::json f;
      f["name"] = r.name;
      f["bucket"] = r.bucket;
      f["key"] = r.key;
      f["size"] = r.size;
      f["md5"] = r.md5;
      f["sha256"] = r.sha256;
      f["etag"] = r.etag;
      f["url"] = r.url;
      f["status"] = status_word(r.status);
      f["retries"] = r.retries;
      f["parts"] = r.parts;
      f["parts_resumed"] = r.parts_resumed;
      f["digests_cached"] = r.digests_cached;
      f["os"] = r.os;
      f["arch"] = r.arch;
      if (r.artifact) f["artifact"] = cross::artifact_json(*r.artifact);
      out["files"].push_back(std::move(f));
    }
    out["uploaded"] = uploaded;
    out["skipped"] = skipped;
    out["copied"] = copied;
    out["retries"] = retries;
    out["stale_uploads_aborted"] = report->stale_uploads_aborted;
    out["bytes_sent"] = report->bytes_sent;
    out["seconds"] = secs;
    out["manifests"] = report->manifest_urls;
    fmt::print("{}\n", json_text(out));
  } else {
    fmt::print("published {} objects: {} uploaded, {} skipped (already there), {} copied; {} sent in {:.2f} s ({}/s); {} retries\n",
               report->files.size(), uploaded, skipped, copied, human_size(report->bytes_sent), secs,
               human_size(static_cast<std::uint64_t>(double(report->bytes_sent) / std::max(secs, 0.001))), retries);
    for (const auto& m : report->manifest_urls) fmt::print("manifest {}\n", m);
  }
  return ok_status();
}

}  // namespace xship::cli
