#include "publish/prune.h"

#include <fmt/format.h>

#include "digest/digest.h"
#include "release/manifest.h"
#include "release/signing.h"
#include "s3/verified_get.h"

namespace xship::publish {

namespace {

// The manifest's SHA-256 when it is a release manifest whose sums check out; "" otherwise
// (the folder is then left alone: a prune never guesses).
std::string manifest_identity(s3::Client& client, const std::string& bucket, const ReleaseFolder& f, bool etag_check) {
  auto bytes = s3::get_small_object(client, bucket, f.prefix + release::kManifestName, etag_check);
  if (!bytes) return "";
  auto doc = release::parse_manifest_doc(*bytes);
  if (!doc || doc->format != release::kManifestFormat) return "";
  return digest::sha256_hex(*bytes);
}

}  // namespace

Result<PruneReport> run_prune(s3::Client& client, const S3Location& prefix, const PruneOptions& opts,
                              const std::atomic<bool>* cancel) {
  auto listed = client.list_objects({prefix.bucket, prefix.key});
  if (!listed) return listed.error();
  auto folders = group_folders(prefix.key, *listed);
  for (auto& f : folders) {
    if (cancel && cancel->load()) return Error{ErrorCategory::Interrupted, "interrupted before anything was deleted"};
    if (f.has_manifest) f.identity = manifest_identity(client, prefix.bucket, f, opts.etag_check);
  }
  PruneReport report;
  report.plan = plan_prune(folders, opts.keep);
  if (opts.dry_run) return report;
  for (const auto& batch : report.plan.batches) {
    if (cancel && cancel->load())
      return Error{ErrorCategory::Interrupted,
                   fmt::format("interrupted after {} of {} keys were deleted", report.deleted, report.plan.keys)};
    auto done = client.delete_objects(prefix.bucket, batch);
    if (!done) return done.error();
    report.deleted += done->deleted.size();
    report.refused.insert(report.refused.end(), done->errors.begin(), done->errors.end());
  }
  return report;
}

}  // namespace xship::publish
