#include "publish/merge.h"

#include <fmt/format.h>

#include <mutex>
#include <optional>

#include "core/thread_pool.h"
#include "publish/release_page.h"
#include "publish/uploader.h"
#include "release/signing.h"
#include "s3/verified_get.h"

namespace xship::publish {

using release::is_release_document_name;
using release::job_name_from_key;
using release::kJobManifestDir;
using release::kJobManifestFormat;
using release::ManifestDoc;
using release::merge_job_manifests;
using release::MergedManifest;
using release::parse_manifest_doc;
using release::release_documents;

namespace {

// The job manifests under PREFIX/manifests/, read and parsed, each named as it is stored.
Result<std::vector<ManifestDoc>> read_job_manifests(s3::Client& client, const S3Location& dest, bool etag_check) {
  std::string dir = join_key(dest.key, kJobManifestDir);
  auto listed = client.list_objects({dest.bucket, dir});
  if (!listed) return listed.error();
  std::vector<ManifestDoc> docs;
  for (const auto& o : *listed) {
    std::string job = job_name_from_key(dest.key, o.key);
    if (job.empty()) continue;  // not NAME.json directly under manifests/
    auto text = s3::get_small_object(client, dest.bucket, o.key, etag_check);
    if (!text) return text.error();
    auto doc = parse_manifest_doc(*text);
    if (!doc)
      return Error{doc.error().category, fmt::format("s3://{}/{}: {}", dest.bucket, o.key, doc.error().message)};
    if (doc->format != kJobManifestFormat)
      return usage_error(
          fmt::format("s3://{}/{} is not a job manifest (format '{}'): {} under a release prefix is for "
                      "xship's job manifests; move that file elsewhere",
                      dest.bucket, o.key, doc->format, kJobManifestDir));
    if (doc->job != job)
      return integrity_error(
          fmt::format("s3://{}/{} says it is job '{}': a job manifest was copied or renamed; publish "
                      "job '{}' again",
                      dest.bucket, o.key, doc->job, job));
    // The names go into SHA256SUMS and manifest.json: one that publish would have refused
    // (a newline, '..') means the job manifest was not written by publish.
    for (const auto& e : doc->files)
      if (!is_clean_relative(e.name) || is_release_document_name(e.name))
        return integrity_error(
            fmt::format("s3://{}/{} lists '{}', a name publish never writes: the job manifest is "
                        "damaged or forged; publish job '{}' again",
                        dest.bucket, o.key, e.name, job));
    docs.push_back(std::move(*doc));
  }
  if (docs.empty())
    return usage_error(
        fmt::format("no job manifests under s3://{}/{}: publish each CI job with --job-manifest NAME to "
                    "this --to first, then merge",
                    dest.bucket, dir));
  return docs;
}

// Every listed object is still what its job published (a later job or push may have
// replaced it); the entries get the ETags the store reports now.
Status check_objects(s3::Client& client, const std::string& bucket, MergedManifest& merged, const MergeOptions& opts) {
  std::mutex mu;
  std::optional<Error> first_error;
  ThreadPool pool(opts.concurrency);
  for (auto& entry : merged.files) {
    pool.post([&, e = &entry] {
      auto head = client.head({bucket, e->key});
      std::lock_guard lock(mu);
      if (!head) {
        if (!first_error) first_error = head.error();
        return;
      }
      std::string stored_md5 = head->metadata.count("md5") ? head->metadata.at("md5") : "";
      bool same = head->exists && head->size == e->size &&
                  (head->etag == e->etag || (!e->md5.empty() && stored_md5 == e->md5) ||
                   (!opts.etag_check && stored_md5.empty()));
      if (same)
        e->etag = head->etag;
      else if (!first_error)
        first_error = integrity_error(fmt::format(
            "s3://{}/{} is {} but job '{}' published {} bytes with ETag {}: it was replaced or deleted since; publish "
            "that job again, then merge",
            bucket, e->key, head->exists ? fmt::format("{} bytes with ETag {}", head->size, head->etag) : "missing",
            merged.job_of.at(e->name), e->size, e->etag));
    });
  }
  pool.wait();
  if (first_error) return *first_error;
  return ok_status();
}

Result<std::optional<RemoteObject>> current_object(s3::Client& client, const std::string& bucket,
                                                   const std::string& key) {
  auto head = client.head({bucket, key});
  if (!head) return head.error();
  if (!head->exists) return std::optional<RemoteObject>{};
  return std::optional<RemoteObject>{RemoteObject{head->size, head->etag}};
}

// Each document by a verified single PUT, skipped when the same bytes are there already.
Status put_documents(s3::Client& client, const S3Location& dest, const std::vector<release::ReleaseDocument>& docs,
                     const MergeOptions& opts, const std::atomic<bool>* cancel, bool& written) {
  for (const auto& [name, bytes] : docs) {
    const std::string key = join_key(dest.key, name);
    if (cancel && cancel->load())
      return Error{ErrorCategory::Interrupted, "interrupted before the merged manifest was written"};
    std::optional<RemoteObject> current;
    if (!opts.force) {
      auto c = current_object(client, dest.bucket, key);
      if (!c) return c.error();
      current = *c;
    }
    auto put =
        put_small_object(client, dest.bucket, key, bytes, opts.etag_check, current ? &*current : nullptr, opts.headers);
    if (!put) return put.error();
    written = written || *put;
  }
  return ok_status();
}

}  // namespace

Result<MergeReport> merge_manifests(s3::Client& client, const S3Location& dest, const MergeOptions& opts,
                                    const std::atomic<bool>* cancel) {
  auto docs = read_job_manifests(client, dest, opts.etag_check);
  if (!docs) return docs.error();
  auto merged = merge_job_manifests(std::move(*docs), opts.commit);
  if (!merged) return merged.error();
  MergeReport report;
  report.merged = std::move(*merged);
  XSHIP_TRY(check_objects(client, dest.bucket, report.merged, opts));

  // As in a publish: SHA256SUMS, the signatures, manifest.json, then the page, each
  // skipped when already there.
  auto outputs = release_documents(report.merged.files, report.merged.info, opts.sign_key, opts.provenance);
  if (!outputs) return outputs.error();
  XSHIP_TRY(put_documents(client, dest, *outputs, opts, cancel, report.written));
  if (opts.write_page) {
    std::string key_id = opts.sign_key ? minisign::key_id_text(opts.sign_key->id) : "";
    auto page = release_page(opts.links, dest, {report.merged.files, report.merged.info, *outputs, key_id});
    bool page_written = false;  // presigned links differ every run: not a change of the release
    XSHIP_TRY(put_documents(client, dest, page, opts, cancel, page_written));
    if (!page.empty()) report.page_url = page_link(opts.links, dest);
  }
  report.manifest_url = opts.links.url({dest.bucket, join_key(dest.key, "manifest.json")});
  return report;
}

}  // namespace xship::publish
