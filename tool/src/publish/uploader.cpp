// The run's phases (check, list, upload, copy, write the release documents) and each
// file's way: skipped, one PUT, or multipart. engine.h has the rules they share.
#include "publish/uploader.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <span>

#include "core/read_exact.h"
#include "digest/md5_multi.h"
#include "publish/engine.h"
#include "release/signing.h"

namespace xship::publish {

std::uint64_t effective_part_size(std::uint64_t file_size, std::uint64_t requested) {
  std::uint64_t part = std::max(requested, kMinPartSize);
  if ((file_size + part - 1) / part > kMaxParts) {
    std::uint64_t needed = (file_size + kMaxParts - 1) / kMaxParts;
    part = (needed + kMiB - 1) / kMiB * kMiB;
  }
  return part;
}

void Run::fail(Error e) {
  std::lock_guard lock(mu);
  if (!first_error) first_error = std::move(e);
  failed = true;
}

void Run::finished(FileResult r) {
  std::lock_guard lock(mu);
  if (on_file) on_file(r);
  report.files.push_back(std::move(r));
}

void Run::add_progress(std::uint64_t n) {
  if (progress) progress->bytes_done += n;
  std::lock_guard lock(mu);
  report.bytes_sent += n;
}

FileResult Run::result_for(const PlannedFile& f, const std::string& key, const FileSums& sums) const {
  FileResult r = result_for(f, key, sums.md5hex(), sums.sha256hex());
  r.digests_cached = sums.cached;
  return r;
}

FileResult Run::result_for(const PlannedFile& f, const std::string& key, const std::string& md5hex,
                           const std::string& sha256hex) const {
  FileResult r;
  r.name = f.relative;
  r.key = key;
  r.bucket = primary().bucket;
  r.size = f.stamp.size;
  r.md5 = md5hex;
  r.sha256 = sha256hex;
  r.url = links.url({r.bucket, key});
  r.presigned_url = links.presigned({r.bucket, key});
  r.os = f.os;
  r.arch = f.arch;
  r.artifact = f.artifact;
  return r;
}

Result<s3::PutOptions> Run::put_options(const PlannedFile& f, const FileSums& sums) const {
  auto o = verified_put_options(opts.headers, f.relative, sums.md5hex(), sums.sha256hex(), sums.digests.md5);
  if (o) o->if_none_match = opts.no_overwrite;
  return o;
}

namespace {

// Files up to this size are read into memory once and hashed there; above it a single
// PUT streams from the file after a hashing pass.
constexpr std::uint64_t kMemoryPutLimit = 64 * kMiB;

// True when the object is already there (reported, skipped or its headers rewritten in
// place, or the run failed): nothing more to send.
bool keep_existing(Run& run, const PlannedFile& f, FileResult& r, const s3::ObjectHeaders& want,
                   const LocalBytes& local) {
  const s3::ObjectRef obj{r.bucket, r.key};
  const RemoteObject* listed = run.remotes[0].find(obj.key);
  auto existing = check_existing(run.client, listed, obj, f.stamp.size, local, run.opts.etag_check, want, r.retries);
  if (!existing) return run.fail(existing.error()), true;
  if (*existing == Existing::Upload) return false;
  r.etag = listed->etag;
  r.status = FileStatus::Skipped;
  if (*existing == Existing::HeadersDiffer) {
    auto etag =
        rewrite_headers(run.client, obj, f.stamp.size, r.md5, want, run.copy_limits(), run.opts.etag_check, r.retries);
    if (!etag) return run.fail(etag.error()), true;
    r.etag = *etag;
    r.status = FileStatus::MetadataUpdated;
  }
  run.finished(std::move(r));
  return true;
}

// The result and request for a file whose sums are known; false when nothing is left to
// send (the store has it: reported or its headers rewritten; or the run failed).
bool prepare_put(Run& run, const PlannedFile& f, const FileSums& sums, FileResult& r, s3::PutOptions& opts) {
  r = run.result_for(f, run.object_for(run.primary(), f.relative).key, sums);
  auto o = run.put_options(f, sums);
  if (!o) return run.fail(o.error()), false;
  opts = std::move(*o);
  return run.opts.force || !keep_existing(run, f, r, opts.headers, r.md5);
}

// A file read into memory, its sums known: one PUT whose payload hash is already computed.
void send_in_memory(Run& run, const PlannedFile& f, std::string_view bytes, const FileSums& sums) {
  FileResult r;
  s3::PutOptions opts;
  if (!prepare_put(run, f, sums, r, opts)) return;
  opts.payload_sha256 = r.sha256;  // sign the payload for free
  put_single(run, f, std::move(r), s3::Body::bytes(bytes), opts);
}

// A file whose whole-file sums are computed (or cached) before it is sent: single PUTs,
// and multipart files with cached sums or a remote object that holds an MD5 to compare.
void upload_hashed(Run& run, const PlannedFile& f, UniqueFd fd) {
  const bool in_memory = f.stamp.size <= std::min(run.opts.multipart_threshold, kMemoryPutLimit);
  thread_local std::string buf;  // one per worker
  if (in_memory && (!read_at(fd.get(), 0, f.stamp.size, buf) || !unchanged(f))) return run.fail(changed_error(f.path));
  auto sums = file_sums(run.digest_cache, f, fd.get(), in_memory ? &buf : nullptr);
  if (!sums) return run.fail(changed_error(f.path));
  if (in_memory) return send_in_memory(run, f, buf, *sums);
  FileResult r;
  s3::PutOptions opts;
  if (!prepare_put(run, f, *sums, r, opts)) return;
  if (f.stamp.size <= run.opts.multipart_threshold)  // a large single PUT, streamed from the file
    return put_single(run, f, std::move(r), s3::Body::range(fd.get(), 0, f.stamp.size), opts);
  start_multipart(run, f, std::move(fd), *sums, std::nullopt, r.retries, opts);
}

// Small files are read and hashed kLaneParts at a time, their MD5s side by side in SIMD
// lanes (md5_many) rather than one stream each. Each then goes out in a task of its own,
// queued ahead of the next batch, so only a few batches' bytes are held at once. Bigger
// files go one per task through upload_hashed, read into the worker's one buffer: batched
// too, each worker held a batch of fresh buffers before sending, and the page faults cost
// more than the lanes saved (64 x 1 MiB: 480 ms of task-clock and 19,000 faults, against
// 300 ms and 4,300; 256 x 1 MiB: 1.10 s against 0.90 s, even with buffers reused).
constexpr std::uint64_t kBatchFileLimit = 256 * 1024;  // 16 x 256 KiB per batch in flight

// A file of a batch, read into a buffer of its own that nothing zero-fills first (a
// std::string's resize did, 4% of a 1,000-file publish's samples).
struct Loaded {
  const PlannedFile* file;
  std::unique_ptr<char[]> data;
  FileSums sums;
  std::string_view bytes() const { return {data.get(), static_cast<std::size_t>(file->stamp.size)}; }
};

void upload_batch(Run& run, const std::vector<const PlannedFile*>& files) {
  auto loaded = std::make_shared<std::vector<Loaded>>();
  for (const PlannedFile* f : files) {
    if (run.stopping()) return;
    auto fd = open_source(f->path);
    if (!fd) return run.fail(fd.error());
    const auto size = static_cast<std::size_t>(f->stamp.size);
    Loaded l{f, std::make_unique_for_overwrite<char[]>(size), cached_sums(run.digest_cache, *f).value_or(FileSums{})};
    if (!read_exact(fd->get(), 0, std::span(l.data.get(), size)) || !unchanged(*f))
      return run.fail(changed_error(f->path));
    loaded->push_back(std::move(l));
  }
  std::vector<std::span<const std::byte>> cold;
  for (const auto& l : *loaded)
    if (!l.sums.cached) cold.push_back(std::as_bytes(std::span(l.bytes())));
  const auto md5s = digest::md5_many(cold);
  auto md5 = md5s.begin();
  for (auto& l : *loaded)
    if (!l.sums.cached) l.sums.digests = {*md5++, digest::sha256(l.bytes()), l.file->stamp.size};
  for (std::size_t i = loaded->size(); i-- > 0;)
    run.pool.post(
        [&run, loaded, i] { send_in_memory(run, *(*loaded)[i].file, (*loaded)[i].bytes(), (*loaded)[i].sums); }, true);
}

// A cold multipart file (sums not cached): no whole-file pass before the upload. Only a
// remote object of the same size needs hashing first: one with md5 metadata (or a plain
// ETag) is compared the old way, by the whole-file MD5; one with a multipart ETag by the
// ETag the file's parts give, cut as this run would cut them. The SHA-256 goes into the
// digest cache as an entry without an MD5 (digest_cache.h), so a republish of the same
// file reads it only for the parts' MD5s.
void upload_cold(Run& run, const PlannedFile& f, UniqueFd fd) {
  const s3::ObjectRef obj = run.object_for(run.primary(), f.relative);
  FileResult r = run.result_for(f, obj.key, "", "");
  std::optional<KnownSha256> sha256;
  if (auto cached = run.digest_cache.lookup_sha256(f.path, f.stamp)) {
    sha256 = KnownSha256{*cached, true};
    r.sha256 = digest::hex(*cached);
    r.digests_cached = true;
  }
  const std::uint64_t part_size = effective_part_size(f.stamp.size, run.opts.part_size);
  s3::PutOptions opts;
  auto want = object_headers(run.opts.headers, f.relative, std::nullopt, part_size);
  if (!want) return run.fail(want.error());
  opts.headers = std::move(*want);
  opts.if_none_match = run.opts.no_overwrite;
  const RemoteObject* listed = run.remotes[0].find(obj.key);
  if (!run.opts.force && listed && listed->size == f.stamp.size) {
    s3::CallStats st;
    auto head = run.client.head(obj, &st);
    r.retries += st.retries;
    if (!head) return run.fail(head.error());
    std::uint64_t parts = 0;
    if (head->metadata.count("md5") || !is_multipart_etag(head->etag, &parts))
      return upload_hashed(run, f, std::move(fd));
    if (parts == (f.stamp.size + part_size - 1) / part_size) {  // else cut otherwise: different
      auto sums = part_sums(fd.get(), f.stamp.size, part_size,
                            sha256 ? std::optional<digest::Sha256>(sha256->value) : std::nullopt);
      if (!sums || !unchanged(f)) return run.fail(changed_error(f.path));
      if (!sha256) sha256 = KnownSha256{sums->sha256, false};
      r.sha256 = digest::hex(sums->sha256);
      r.part_size = part_size;
      if (keep_existing(run, f, r, opts.headers, LocalBytes::multipart(sums->multipart_etag))) {
        // Uploaded files are recorded once complete (multipart.cpp). A cache that cannot be
        // written costs only speed.
        if (!sha256->cached) (void)run.digest_cache.record_sha256(f.path, f.stamp, sha256->value);
        return;
      }
    }
  }
  start_multipart(run, f, std::move(fd), std::nullopt, sha256, r.retries, opts);
}

void upload_file(Run& run, const PlannedFile& f) {
  if (run.stopping()) return;
  auto fd = open_source(f.path);
  if (!fd) return run.fail(fd.error());
  if (f.stamp.size > run.opts.multipart_threshold && !cached_sums(run.digest_cache, f))
    return upload_cold(run, f, std::move(*fd));
  upload_hashed(run, f, std::move(*fd));
}

Status check_files(const PublishOptions& opts, const std::vector<PlannedFile>& files) {
  const bool job = !opts.job_manifest.empty();
  for (const auto& f : files) {
    if (opts.write_manifest && is_release_document_name(f.relative))
      return usage_error(fmt::format(
          "'{}' would be overwritten by the manifest xship writes: rename it or pass --no-manifest", f.path));
    if (job && f.relative.starts_with(kJobManifestDir))
      return usage_error(fmt::format("'{}' would land in {}, where the job manifests live: rename its directory",
                                     f.path, kJobManifestDir));
  }
  for (const auto& d : opts.destinations)
    for (const auto& f : files) XSHIP_TRY(validate_key(join_key(d.key, f.relative)));
  return ok_status();
}

// Big files first: their parts keep every connection busy while small files fill gaps.
Status upload_all(Run& run, const std::vector<PlannedFile>& files) {
  std::vector<const PlannedFile*> order;
  for (const auto& f : files) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->stamp.size > b->stamp.size; });
  const std::uint64_t batch_limit = std::min(kBatchFileLimit, run.opts.multipart_threshold);
  std::vector<const PlannedFile*> batch;
  auto post_batch = [&] {
    if (!batch.empty()) run.pool.post([&run, batch] { upload_batch(run, batch); });
    batch.clear();
  };
  for (const PlannedFile* f : order) {
    if (f->stamp.size > batch_limit) {
      run.pool.post([&run, f] { upload_file(run, *f); });
    } else if (batch.push_back(f); batch.size() == static_cast<std::size_t>(kLaneParts)) {
      post_batch();
    }
  }
  post_batch();
  run.pool.wait();
  if (!run.stopping()) return ok_status();
  abort_active(run);
  if (run.cancelled())
    return Error{ErrorCategory::Interrupted,
                 "interrupted: in-flight multipart uploads were aborted and no manifest was written"};
  return *run.first_error;
}

Status copy_all(Run& run) {
  std::vector<FileResult> primary = run.report.files;
  for (std::size_t d = 1; d < run.opts.destinations.size(); ++d) {
    for (const auto& src : primary) run.pool.post([&run, src, d] { copy_to(run, src, d); });
    run.pool.wait();
    if (!run.stopping()) continue;
    if (run.cancelled())
      return Error{ErrorCategory::Interrupted, "interrupted during server-side copies; no manifest was written"};
    return *run.first_error;
  }
  return ok_status();
}

}  // namespace

Result<PublishReport> run_publish(s3::Client& client, const std::vector<PlannedFile>& files, const PublishOptions& opts,
                                  const BuildInfo& info, const FileCallback& on_file, Progress* progress,
                                  const std::atomic<bool>* cancel) {
  if (opts.destinations.empty())
    return usage_error("no destination: pass --to s3://BUCKET/PREFIX or set ARTIFACTS_BUCKET");
  XSHIP_TRY(check_files(opts, files));
  Run run(client, opts, on_file, progress, cancel);
  auto links = Links::make(client, opts.url_base, opts.presign, client.config().now());
  if (!links) return links.error();
  run.links = std::move(*links);
  for (const auto& d : opts.destinations) {
    auto listed = RemoteIndex::list(client, d);
    if (!listed) return listed.error();
    run.remotes.push_back(std::move(*listed));
  }
  XSHIP_TRY(abort_stale_uploads(run, files));
  if (progress)
    for (const auto& f : files) progress->bytes_total += f.stamp.size;
  XSHIP_TRY(upload_all(run, files));
  XSHIP_TRY(copy_all(run));
  if (opts.write_manifest) XSHIP_TRY(write_release_documents(run, info));
  return std::move(run.report);
}

}  // namespace xship::publish
