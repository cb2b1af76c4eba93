// The release documents (SHA256SUMS, manifest.json, signatures, provenance) or, in a
// matrix CI job, the job's manifest: written last, once every object is verified, so a
// consumer that finds a manifest can trust every file it names.
#include <fmt/format.h>

#include "s3/verified_get.h"
#include "publish/engine.h"
#include "publish/release_page.h"
#include "release/signing.h"
#include "s3/credential_json.h"

namespace xship::publish {

Result<std::string> verify_etag(s3::Client& client, bool etag_check, const std::string& bucket, const std::string& key,
                                std::string got, const std::string& expected, std::uint64_t size, int& retries) {
  if (got.empty()) {  // Ceph RGW 16 sends an empty ETag in the Complete reply: ask again
    s3::CallStats st;
    auto head = client.head({bucket, key}, &st);
    retries += st.retries;
    if (!head) return head.error();
    if (!head->exists || head->size != size)
      return integrity_error(
          fmt::format("s3://{}/{}: stored size {} differs from the file's {}", bucket, key, head->size, size));
    got = head->etag;
  }
  if (etag_check && got != expected)
    return integrity_error(
        fmt::format("s3://{}/{}: the store's ETag {} differs from the computed {}: the object was "
                    "removed; if this store's ETags are not MD5s, pass --etag-check off",
                    bucket, key, got, expected));
  return got;
}

Result<bool> put_small_object(s3::Client& client, const std::string& bucket, const std::string& key,
                              const std::string& bytes, bool etag_check, const RemoteObject* current,
                              const HeaderRules& rules) {
  auto md5 = digest::md5(bytes);
  std::string md5hex = digest::hex(md5);
  std::string sha = digest::sha256_hex(bytes);
  auto opts = verified_put_options(rules, key, md5hex, sha, md5);  // no If-None-Match: a prefix's manifest is replaced
  if (!opts) return opts.error();
  int retries = 0;
  auto existing =
      check_existing(client, current, {bucket, key}, bytes.size(), md5hex, etag_check, opts->headers, retries);
  if (!existing) return existing.error();
  if (*existing == Existing::Same) return false;
  if (*existing == Existing::HeadersDiffer) {
    const CopyLimits limits{s3::kMaxCopyObjectSize, s3::kMaxCopyObjectSize};  // a document is far smaller
    auto rewritten =
        rewrite_headers(client, {bucket, key}, bytes.size(), md5hex, opts->headers, limits, etag_check, retries);
    if (!rewritten) return rewritten.error();
    return true;
  }
  opts->payload_sha256 = sha;
  auto etag = client.put({bucket, key}, s3::Body::bytes(bytes), *opts);
  if (!etag) return etag.error();
  auto verified = verify_etag(client, etag_check, bucket, key, *etag, md5hex, bytes.size(), retries);
  if (!verified) return verified.error();
  return true;
}

namespace {

Status put_document(Run& run, std::size_t d, const std::string& key, const std::string& bytes) {
  const RemoteObject* current = run.opts.force ? nullptr : run.remotes[d].find(key);
  XSHIP_TRY(put_small_object(run.client, run.opts.destinations[d].bucket, key, bytes, run.opts.etag_check, current,
                             run.opts.headers));
  return ok_status();
}

Status put_job_manifest(Run& run, std::size_t d, const std::vector<ManifestEntry>& entries, const BuildInfo& info) {
  const auto& dest = run.opts.destinations[d];
  std::string key = job_manifest_key(dest.key, run.opts.job_manifest);
  std::string bytes = job_manifest_json(run.opts.job_manifest, entries, info);
  if (!run.opts.force) {
    // Read now, not from the listing at the start: a job sharing our name may have finished
    // meanwhile. Missing or unreadable: nothing to protect, it is replaced.
    if (auto existing = s3::get_small_object(run.client, dest.bucket, key, run.opts.etag_check)) {
      if (auto doc = parse_manifest_doc(*existing))
        XSHIP_TRY(check_job_manifest_replace(*doc, run.opts.job_manifest, entries, info));
    }
  }
  XSHIP_TRY(put_document(run, d, key, bytes));
  run.report.manifest_urls.push_back(run.links.url({dest.bucket, key}));
  return ok_status();
}

std::vector<ManifestEntry> entries_for(const Run& run, const S3Location& dest) {
  std::vector<ManifestEntry> entries;
  for (const auto& r : run.report.files) {
    if (r.bucket != dest.bucket || r.key != join_key(dest.key, r.name)) continue;
    entries.push_back({r.name, r.key, r.size, r.md5, r.sha256, r.etag, r.url, r.os, r.arch, r.artifact});
  }
  return entries;
}

// index.html and index.md, after manifest.json: the page links the release's documents.
Status put_page(Run& run, std::size_t d, const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                const std::vector<release::ReleaseDocument>& docs) {
  const auto& dest = run.opts.destinations[d];
  std::string key_id = run.opts.sign_key ? minisign::key_id_text(run.opts.sign_key->id) : "";
  auto page = release_page(run.links, dest, {entries, info, docs, key_id});
  if (page.empty()) return ok_status();
  for (const auto& doc : page) XSHIP_TRY(put_document(run, d, join_key(dest.key, doc.name), doc.bytes));
  run.report.page_urls.push_back(page_link(run.links, dest));
  return ok_status();
}

}  // namespace

Status write_release_documents(Run& run, const BuildInfo& info) {
  for (std::size_t d = 0; d < run.opts.destinations.size(); ++d) {
    const auto& dest = run.opts.destinations[d];
    auto entries = entries_for(run, dest);
    if (run.cancelled()) return Error{ErrorCategory::Interrupted, "interrupted before the manifest was written"};
    if (!run.opts.job_manifest.empty()) {  // matrix CI: this job's share only; --merge-manifests writes the release's
      XSHIP_TRY(put_job_manifest(run, d, entries, info));
      continue;
    }
    auto docs = release_documents(entries, info, run.opts.sign_key, run.opts.provenance);
    if (!docs) return docs.error();
    for (const auto& doc : *docs) XSHIP_TRY(put_document(run, d, join_key(dest.key, doc.name), doc.bytes));
    run.report.manifest_urls.push_back(run.links.url({dest.bucket, join_key(dest.key, kManifestName)}));
    if (run.opts.write_page) XSHIP_TRY(put_page(run, d, entries, info, *docs));
  }
  return ok_status();
}

}  // namespace xship::publish
