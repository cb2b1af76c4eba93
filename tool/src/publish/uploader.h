// The transfer engine: hashes, skips what is already there, uploads (single PUT or
// multipart, concurrently), verifies every ETag, copies to further destinations
// server-side, and writes SHA256SUMS and manifest.json last (or, in a matrix CI job, the
// job's manifests/NAME.json, merged later by merge.h).
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "digest/minisign.h"
#include "publish/object_headers.h"
#include "publish/plan.h"
#include "release/manifest.h"
#include "release/provenance.h"
#include "release/template.h"
#include "s3/client.h"
#include "s3/limits.h"
#include "s3/location.h"

namespace xship::publish {

using s3::kMaxParts;
using s3::kMiB;
using s3::kMinPartSize;

struct PublishOptions {
  std::vector<S3Location> destinations;  // the first gets the bytes; the rest are copied
  std::uint64_t multipart_threshold = 16 * kMiB;
  std::uint64_t part_size = 8 * kMiB;
  int concurrency = 8;
  bool force = false;  // upload even when an identical object is there
  bool no_overwrite = false;  // If-None-Match: *
  bool etag_check = true;  // --etag-check off for stores whose ETags are not MD5s
  bool write_manifest = true;
  // Matrix CI: non-empty = write PREFIX/manifests/<job_manifest>.json instead of SHA256SUMS
  // and manifest.json (which --merge-manifests writes once every job is done).
  std::string job_manifest;
  // Signs SHA256SUMS and manifest.json (publish/signing.h); owned by the caller. Job
  // manifests are not signed: the merge step signs the release once.
  const minisign::SecretKey* sign_key = nullptr;
  const release::ProvenanceFacts* provenance = nullptr;  // with sign_key: write provenance.intoto.json
  // Where multipart uploads in flight are recorded so a killed run can be resumed; empty
  // disables resuming.
  std::string state_dir = ".xship/uploads";
  // The sums `xship compress` recorded (compress::default_digest_cache_path).
  std::string digest_cache = ".xship/digests.json";
  // Server-side copies above this size go part by part (UploadPartCopy); CopyObject
  // itself stops at 5 GiB.
  std::uint64_t copy_threshold = s3::kMaxCopyObjectSize;
  std::uint64_t copy_part_size = 512 * kMiB;
  // Content-Type overrides, Cache-Control, storage class, ACL, metadata and tags.
  HeaderRules headers;
  // --url-base (parsed by parse_url_base): the download URLs' base instead of the store's.
  std::string url_base;
  // --presign: the output's and the page's links are presigned GET URLs valid this long.
  std::chrono::seconds presign{0};
  // --no-page: no index.html and index.md beside manifest.json.
  bool write_page = true;
};

// The part size actually used: at least the requested one, grown (in whole MiB) so the
// file fits in 10,000 parts.
std::uint64_t effective_part_size(std::uint64_t file_size, std::uint64_t requested);

// MetadataUpdated: the bytes were there, the headers were not; copied onto itself.
enum class FileStatus { Uploaded, Skipped, Copied, MetadataUpdated };

struct FileResult {
  std::string name;  // relative
  std::string key;
  std::string bucket;
  std::uint64_t size = 0;
  std::string md5, sha256, etag, url;
  std::string presigned_url;  // --presign only; never written to the manifest
  std::string os, arch;
  std::optional<cross::ArtifactInfo> artifact;
  FileStatus status = FileStatus::Uploaded;
  int retries = 0;
  int parts = 0;  // 0 for a single PUT
  std::uint64_t part_size = 0;  // multipart: the parts' size (a copy cut alike keeps the ETag)
  int parts_resumed = 0;  // parts an earlier, killed run had uploaded (re-verified, not resent)
  bool digests_cached = false;  // MD5/SHA-256 came from xship compress's digest cache
};

struct PublishReport {
  std::vector<FileResult> files;  // every object, every destination
  std::vector<std::string> manifest_urls;
  std::vector<std::string> page_urls;  // index.html's link (presigned with --presign)
  std::uint64_t bytes_sent = 0;
  int stale_uploads_aborted = 0;  // left by an earlier run that was killed
};

// Called as each file finishes (from worker threads, serialised by the engine).
using FileCallback = std::function<void(const FileResult&)>;

struct Progress {
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<std::uint64_t> bytes_total{0};
};

// What a listing or a HEAD says is at a key.
struct RemoteObject {
  std::uint64_t size = 0;
  std::string etag;
};

// An ETag answered by a PUT or a CompleteMultipartUpload against the one computed: empty
// (Ceph RGW's Complete reply) is asked again by HEAD. Returns the store's ETag.
Result<std::string> verify_etag(s3::Client& client, bool etag_check, const std::string& bucket, const std::string& key,
                                std::string got, const std::string& expected, std::uint64_t size, int& retries);

// The single-PUT path of manifests, SHA256SUMS and job manifests: Content-MD5 sent, the
// ETag checked, the sums stored as metadata, the headers `rules` give. Skipped when
// `current` (nullptr: unknown) already holds these bytes with those headers; only the
// headers are rewritten when they differ. True when it was written.
Result<bool> put_small_object(s3::Client& client, const std::string& bucket, const std::string& key,
                              const std::string& bytes, bool etag_check, const RemoteObject* current,
                              const HeaderRules& rules);

Result<PublishReport> run_publish(s3::Client& client, const std::vector<PlannedFile>& files, const PublishOptions& opts,
                                  const BuildInfo& info, const FileCallback& on_file, Progress* progress,
                                  const std::atomic<bool>* cancel);

}  // namespace xship::publish
