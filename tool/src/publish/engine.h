// Inside the publish engine (uploader.h is its face): what one run shares between its
// workers, and each concern's entry points, one file each:
//   uploader.cpp        the run's phases, and each file's way: skip, one PUT or multipart
//   remote_index.cpp    what a destination already holds; whether a file can be skipped
//   source_file.cpp     the local file: pread, its sums (digest cache), changed under us
//   single_put.cpp      a file in one PUT, from memory or streamed from the file
//   multipart.cpp       multipart uploads: parts, resume after a kill, stale-upload aborts
//   copies.cpp          server-side copies to the second and later destinations
//   release_upload.cpp  SHA256SUMS, manifest.json and job manifests, written last
//
// The concurrency rules, written once:
// - One ThreadPool runs every transfer. A file is one task; a multipart file posts one
//   task that hashes its parts (SIMD lanes, a group at a time) and posts one task per part
//   as its group is hashed, at the queue's front (parts of started files go before new
//   files, which keeps open uploads and buffers few), and the part that finishes last
//   completes the upload (MultipartJob::remaining).
// - `mu` guards the report, the per-file callback, the first error and `active` (the
//   multipart uploads in flight). Nothing else is written by two threads: the remote
//   indexes are listed before any task runs and only read after, a part's MD5 slot is
//   written by the hashing task before the part's task is posted, and each other slot of a
//   MultipartJob by the one task of its part.
// - A failure (fail) or the caller's cancel flag stops new work at the next task
//   (stopping); requests in flight finish or are interrupted by the transport. Once the
//   pool has drained, a stopped run aborts the uploads still in flight in one place
//   (abort_active) and writes no manifest.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "compress/digest_cache.h"
#include "core/thread_pool.h"
#include "publish/existing.h"
#include "publish/links.h"
#include "publish/remote_index.h"
#include "publish/source_file.h"
#include "publish/upload_state.h"
#include "publish/uploader.h"
#include "release/manifest.h"
#include "release/signing.h"

namespace xship::publish {

// The release model (release/) the engine writes.
using release::check_job_manifest_replace;
using release::is_release_document_name;
using release::job_manifest_json;
using release::job_manifest_key;
using release::kJobManifestDir;
using release::kManifestName;
using release::ManifestEntry;
using release::parse_manifest_doc;
using release::release_documents;

struct MultipartJob;

struct Run {
  Run(s3::Client& c, const PublishOptions& o, const FileCallback& cb, Progress* p, const std::atomic<bool>* stop)
      : client(c),
        opts(o),
        on_file(cb),
        progress(p),
        cancel(stop),
        states(o.state_dir),
        digest_cache(o.digest_cache),
        pool(o.concurrency) {}

  bool cancelled() const { return cancel && cancel->load(); }
  bool stopping() const { return failed.load() || cancelled(); }
  void fail(Error e);
  void finished(FileResult r);  // reports a file done (skipped, uploaded or copied)
  void add_progress(std::uint64_t n);

  const S3Location& primary() const { return opts.destinations[0]; }  // gets the bytes
  CopyLimits copy_limits() const { return {opts.copy_threshold, opts.copy_part_size}; }
  s3::ObjectRef object_for(const S3Location& dest, const std::string& relative) const {
    return {dest.bucket, join_key(dest.key, relative)};
  }
  FileResult result_for(const PlannedFile& f, const std::string& key, const FileSums& sums) const;
  FileResult result_for(const PlannedFile& f, const std::string& key, const std::string& md5hex,
                        const std::string& sha256hex) const;
  Result<s3::PutOptions> put_options(const PlannedFile& f, const FileSums& sums) const;

  s3::Client& client;
  const PublishOptions& opts;
  const FileCallback& on_file;
  Progress* progress;
  const std::atomic<bool>* cancel;
  std::mutex mu;
  std::optional<Error> first_error;
  std::atomic<bool> failed{false};
  PublishReport report;
  Links links;  // set before any task runs, then only read
  std::vector<RemoteIndex> remotes;  // one per destination, listed before the uploads
  std::map<std::string, std::shared_ptr<MultipartJob>> active;  // by key, under mu
  UploadStateStore states;
  compress::DigestCache digest_cache;  // sums `xship compress` wrote: no third read
  ThreadPool pool;  // last member: its workers must stop before the rest is destroyed
};

// The PUT headers every object of a release carries: Content-MD5, and the headers
// object_headers gives (a type from the name, the whole-file sums as metadata, ...).
Result<s3::PutOptions> verified_put_options(const HeaderRules& rules, const std::string& name,
                                            const std::string& md5hex, const std::string& sha256hex,
                                            const digest::Md5& md5);

// single_put.cpp: one PUT of `body`, then the ETag verified. A streamed body is checked
// for changes after it was sent (the bytes went out as they were read).
void put_single(Run& run, const PlannedFile& f, FileResult r, const s3::Body& body, const s3::PutOptions& opts);

// multipart.cpp
// `sums` nullopt: a cold file (no whole-file MD5; its SHA-256 is `sha256` when the skip
// check computed it, else computed beside the upload).
void start_multipart(Run& run, const PlannedFile& f, UniqueFd fd, const std::optional<FileSums>& sums,
                     const std::optional<KnownSha256>& sha256, int retries, const s3::PutOptions& opts);
void abort_active(Run& run);
Status abort_stale_uploads(Run& run, const std::vector<PlannedFile>& files);

// copies.cpp: `src` (on the first destination) copied server-side to another.
void copy_to(Run& run, const FileResult& src, std::size_t dest_index);

// release_upload.cpp: every destination's release documents, once every file is verified.
Status write_release_documents(Run& run, const BuildInfo& info);

}  // namespace xship::publish
