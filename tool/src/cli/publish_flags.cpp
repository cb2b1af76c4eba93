#include "cli/publish_flags.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"
#include "publish/alias.h"
#include "s3/limits.h"
#include "s3/location.h"
#include "s3/presign.h"

namespace xship::cli {

void PublishFlags::add_to(CLI::App& app) {
  app.add_option("paths", paths, "Files or directories (recursed) to publish");
  app.add_option("--to", to,
                 "Destination s3://BUCKET/PREFIX, repeatable; placeholders {repo} {branch} {commit} "
                 "{short_commit} {tag} {version} {os} {arch} {date}; default "
                 "s3://$ARTIFACTS_BUCKET/artifacts/{repo}/{branch}")
      ->allow_extra_args(false);
  app.add_flag("--untracked", untracked, "Also publish files git neither tracks nor ignores");
  app.add_flag("--no-follow-symlinks", no_follow,
               "Skip symlinks found in directories (with a note) instead of publishing "
               "their targets' bytes under the links' names");
  app.add_option("--repo-dir", repo_dir, "Git work tree for {repo} {branch} {commit} and --untracked")
      ->capture_default_str();
  app.add_option("--multipart-threshold", threshold_text, "Files above this size go up in parts")
      ->capture_default_str();
  app.add_option("--part-size", part_text, "Multipart part size (min 5MiB; grown to stay within 10,000 parts)")
      ->capture_default_str();
  app.add_option("--concurrency", opts.concurrency, "Parallel requests (files and parts)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--copy-threshold", copy_threshold_text,
                 "Server-side copies above this size go by UploadPartCopy (max 5GiB)")
      ->capture_default_str();
  app.add_option("--copy-part-size", copy_part_text, "Part size of those copies (min 5MiB)")->capture_default_str();
  app.add_flag("--force", opts.force, "Upload even when an identical object is already there");
  app.add_flag("--no-overwrite", opts.no_overwrite, "Never replace an existing object (sends If-None-Match: *)");
  app.add_option("--etag-check", etag_check,
                 "on, or off for stores whose ETags are not MD5s (some vendors, SSE-KMS); "
                 "the server still checks Content-MD5")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--state-dir", opts.state_dir,
                 "Where uploads in flight are recorded, so a killed run resumes; '' disables")
      ->capture_default_str();
  app.add_flag("--json", json, "Print a machine-readable result on stdout");
  app.add_flag("--dry-run", dry_run, "List keys and sizes; touch no network");
  app.add_flag("--check", check,
               "Only check the credentials and each destination (one signed ListObjectsV2 asking for "
               "no keys); upload nothing. For CI, before the build");
  add_release_flags(app);
  add_link_flags(app);
  add_header_flags(app);
  add_connection_flags(app, conn);
}

// The release documents: manifests (matrix CI's too) and signing.
void PublishFlags::add_release_flags(CLI::App& app) {
  app.add_flag("--no-manifest", no_manifest, "Do not write SHA256SUMS and manifest.json");
  app.add_option("--job-manifest", job_manifest,
                 "Matrix CI, one target per job: write this job's manifest as PREFIX/manifests/NAME.json instead of "
                 "SHA256SUMS and manifest.json, for --merge-manifests to combine. NAME must be unique per job: "
                 "{os}-{arch} (from the files' NAME.OS.ARCH names) or a CI job id; the --to placeholders work too")
      ->option_text("NAME");
  app.add_flag("--merge-manifests", merge,
               "Matrix CI, final step, no PATHs: merge every PREFIX/manifests/*.json under --to, check each listed "
               "object is still there as published, then write SHA256SUMS and manifest.json last. Two jobs that "
               "published one name with different contents: exit 3, nothing written");
  commit_opt_ = app.add_option("--commit", merge_commit,
                               "With --merge-manifests: merge the job manifests of this commit and skip older "
                               "ones (default: the commit being built, from CI or git); 'any' merges all, "
                               "which must then be of one build")
                    ->option_text("SHA|any");
  app.add_option("--sign-key", sign_key_path,
                 "Sign SHA256SUMS and manifest.json with this minisign secret key (minisign -G or xship keygen; "
                 "password from XSHIP_SIGNING_PASSWORD); default: the key text in XSHIP_SIGNING_KEY. Writes "
                 "SHA256SUMS.minisig, manifest.json.minisig and a signed provenance.intoto.json (in-toto/SLSA v1); "
                 "check with minisign -Vm SHA256SUMS -p KEY.pub")
      ->option_text("FILE");
}

// What happens after the release: aliases, and the links and page people download from.
void PublishFlags::add_link_flags(CLI::App& app) {
  app.add_option("--alias", aliases,
                 "After the release is complete, mirror it server-side under this prefix (repeatable): a NAME "
                 "beside the release (--to s3://B/releases/v1.2 --alias latest: s3://B/releases/latest/) or "
                 "s3://BUCKET/PREFIX; placeholders as --to. Copies get Cache-Control: max-age=300, manifest.json "
                 "goes last, objects the release lacks are then deleted. A failed release never moves it")
      ->option_text("NAME|s3://B/P")
      ->allow_extra_args(false);
  app.add_option("--url-base", url_base_text,
                 "Download URLs (output, --json, manifest.json) as this base plus the object's key, for a CDN or "
                 "website in front of the bucket; default: the store's own URL of the object")
      ->option_text("https://HOST/PATH/");
  app.add_option("--presign", presign_text,
                 "Print presigned GET links (and put them on the release page) valid this long: seconds, or a number "
                 "with s, m, h or d (at most 7d). They never go into manifest.json")
      ->option_text("DURATION");
  app.add_flag("--no-page", no_page, "Do not write the release page (index.html and index.md beside manifest.json)");
}

void PublishFlags::add_header_flags(CLI::App& app) {
  app.add_option("--content-type", headers.content_types,
                 "Content-Type for files whose name matches PATTERN (a glob; first match wins), before the built-in "
                 "table by extension; repeatable")
      ->option_text("PATTERN=TYPE");
  app.add_option("--cache-control", headers.cache_control, "Cache-Control of every object, e.g. 'public, max-age=300'")
      ->option_text("VALUE");
  app.add_option("--storage-class", headers.storage_class, "S3 storage class, e.g. STANDARD_IA (default: the bucket's)")
      ->option_text("CLASS");
  app.add_option("--acl", headers.acl,
                 "Canned ACL sent with every object: public-read or private (default: none sent, "
                 "the bucket decides)")
      ->option_text("public-read|private");
  app.add_option("--tag", headers.tags, "Object tag, repeatable (at most 10); kept on multipart uploads and copies")
      ->option_text("KEY=VALUE");
  app.add_option("--metadata", headers.metadata, "User metadata x-amz-meta-NAME, repeatable")
      ->option_text("NAME=VALUE");
}

Status PublishFlags::parse_sizes() {
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
    return usage_error(
        fmt::format("--copy-threshold {} is over CopyObject's 5 GiB limit: use 5GiB or less", copy_threshold_text));
  if (*copy_part < s3::kMinPartSize)
    return usage_error(
        fmt::format("--copy-part-size {} is under S3's 5 MiB minimum: use 5MiB or more", copy_part_text));
  opts.copy_threshold = *copy_threshold;
  opts.copy_part_size = *copy_part;
  opts.multipart_threshold = std::max<std::uint64_t>(*threshold, 1);
  opts.part_size = *part;
  return ok_status();
}

// Which of check, merge and publish was asked for, and whether the rest fits it.
Status PublishFlags::check_modes() const {
  if (check && (merge || dry_run))
    return usage_error("--check uploads nothing and merges nothing: drop --merge-manifests and --dry-run, or --check");
  if (check) return ok_status();  // no PATHs needed: in CI the check runs before the build that makes them
  if (merge) {
    const std::pair<bool, const char*> not_with[] = {{!paths.empty(), "PATHs"},
                                                     {untracked, "--untracked"},
                                                     {!job_manifest.empty(), "--job-manifest"},
                                                     {no_manifest, "--no-manifest"},
                                                     {dry_run, "--dry-run"}};
    for (const auto& [given, what] : not_with)
      if (given)
        return usage_error(
            fmt::format("--merge-manifests takes no {}: it merges what the jobs published under --to; "
                        "drop {}",
                        what, what));
    if (to.size() > 1)
      return usage_error("--merge-manifests merges one prefix: pass one --to and run it once per destination");
    return ok_status();
  }
  if (commit_given())
    return usage_error(
        "--commit only chooses which job manifests --merge-manifests merges: drop it, or add --merge-manifests");
  if (!job_manifest.empty() && no_manifest)
    return usage_error(
        "--job-manifest and --no-manifest contradict each other: the job manifest is how --merge-manifests "
        "finds this job's files; drop one");
  if (paths.empty() && !untracked)
    return usage_error("nothing to publish: name files or directories, or pass --untracked");
  return ok_status();
}

// An alias mirrors a complete release: one with a manifest, written by this run.
Status PublishFlags::check_aliases() const {
  if (aliases.empty()) return ok_status();
  if (no_manifest)
    return usage_error("--alias mirrors a complete release, manifest last: drop --no-manifest or --alias");
  if (!job_manifest.empty())
    return usage_error(
        "--alias with --job-manifest: a job publishes part of a release; give --alias to the "
        "--merge-manifests step");
  for (const auto& a : aliases) XSHIP_TRY(publish::check_alias_text(a));
  return ok_status();
}

// --url-base and --presign into `opts`: a bad base or duration stops the run before anything is sent.
Status PublishFlags::parse_links() {
  if (!url_base_text.empty()) {
    auto base = parse_url_base(url_base_text);
    if (!base) return base.error();
    opts.url_base = *base;
  }
  if (!presign_text.empty()) {
    auto expires = parse_duration(presign_text, "--presign");
    if (!expires) return expires.error();
    XSHIP_TRY(check_presign_expiry(*expires));
    opts.presign = *expires;
  }
  opts.write_page = !no_page;
  return ok_status();
}

Status PublishFlags::validate() {
  XSHIP_TRY(parse_sizes());
  XSHIP_TRY(check_aliases());
  auto rules = publish::parse_header_rules(headers);
  if (!rules) return rules.error();
  opts.headers = std::move(*rules);
  XSHIP_TRY(parse_links());
  opts.etag_check = etag_check == "on";
  opts.write_manifest = !no_manifest;
  return check_modes();
}

}  // namespace xship::cli
