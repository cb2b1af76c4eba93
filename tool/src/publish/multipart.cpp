// Multipart uploads: the parts' MD5s computed side by side in SIMD lanes, parts sent
// concurrently (each read with pread into its worker's buffer), resumed after a killed run from the state it recorded,
// completed by the last part to finish, and aborted when anything goes wrong. Also the aborts of uploads that earlier
// killed runs left behind.
#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <thread>

#include "publish/engine.h"

namespace xship::publish {

// A multipart upload in progress: parts finish in any order on any worker.
struct MultipartJob {
  PlannedFile file;
  s3::ObjectRef object;
  UniqueFd fd;
  std::optional<FileSums> sums;  // nullopt: a cold file, no whole-file MD5 (source_file.h)
  // A cold file's SHA-256: computed by sha_thread beside the upload, reading the file in
  // order (from the page cache the parts are read into), unless already known.
  std::optional<digest::Sha256> sha256;
  bool sha256_cached = false;  // from the digest cache; else recorded there once known
  std::thread sha_thread;
  std::atomic<bool> stop_sha{false};
  std::uint64_t part_size = 0;
  int part_count = 0;
  std::string upload_id;
  std::vector<digest::Md5> part_md5s;
  std::vector<s3::Part> parts;
  std::vector<std::string> resumable_etags;  // from ListParts of a resumed upload; "" = send it
  std::atomic<int> parts_resumed{0};
  std::atomic<int> remaining{0};
  std::atomic<int> retries{0};
  std::atomic<bool> failed{false};

  void layout(std::uint64_t size_of_parts) {
    part_size = size_of_parts;
    part_count = static_cast<int>((file.stamp.size + part_size - 1) / part_size);
    const auto count = static_cast<std::size_t>(part_count);
    part_md5s.assign(count, {});
    parts.assign(count, {});
    resumable_etags.assign(count, "");
    remaining = part_count;
  }
  std::uint64_t part_length(int index) const {
    return std::min(part_size, file.stamp.size - static_cast<std::uint64_t>(index) * part_size);
  }
  std::string md5hex() const { return sums ? sums->md5hex() : std::string(); }
  std::string sha256hex() const {
    if (sums) return sums->sha256hex();
    return sha256 ? digest::hex(*sha256) : std::string();
  }
  // Waits for the SHA-256 (stopped early when `abandon`); joined here or at the latest by
  // the destructor, before `fd` closes, so no thread outlives the job or its file.
  void join_sha(bool abandon) {
    if (abandon) stop_sha = true;
    if (sha_thread.joinable()) sha_thread.join();
  }
  ~MultipartJob() { join_sha(true); }
};

namespace {

// Resume only the very same file: same path, stamp and content. Anything else means the
// earlier upload is of another version: it is aborted and the upload starts over.
bool resumed(Run& run, MultipartJob& job) {
  const auto& bucket = job.object.bucket;
  auto saved = run.states.load(bucket, job.object.key);
  if (!saved) return false;
  bool same = resumable(*saved, job.file, job.md5hex());
  s3::CallStats st;
  auto listed = same ? run.client.list_parts(job.object, saved->upload_id, &st)
                     : Result<std::vector<s3::Part>>(runtime_error("not resumable"));
  job.retries += st.retries;
  if (!listed) {
    if (!same) (void)run.client.abort_multipart(job.object, saved->upload_id);
    run.states.remove(bucket, job.object.key);
    return false;
  }
  job.layout(saved->part_size);
  job.upload_id = saved->upload_id;
  for (const auto& p : *listed) {
    if (p.number < 1 || p.number > job.part_count) continue;
    if (p.size != job.part_length(p.number - 1)) continue;
    job.resumable_etags[static_cast<std::size_t>(p.number - 1)] = p.etag;  // re-verified against the file before use
  }
  return true;
}

Status start_or_resume(Run& run, MultipartJob& job, const s3::PutOptions& opts) {
  if (resumed(run, job)) return ok_status();
  job.layout(effective_part_size(job.file.stamp.size, run.opts.part_size));
  s3::CallStats st;
  auto id = run.client.create_multipart(job.object, opts, &st);
  job.retries += st.retries;
  if (!id) return id.error();
  job.upload_id = *id;
  return run.states.save({job.object.bucket, job.object.key, job.upload_id, job.file.path, job.file.stamp, job.md5hex(),
                          job.sha256hex(), job.part_size});
}

// One part's bytes, in `buf`: kept when a killed run already uploaded them, else sent
// with the MD5 the lanes gave as Content-MD5, so a store that gets other bytes than were
// hashed (the file changed in between) rejects the part.
// The part's bytes go from the file (page cache) into curl's buffer: no copy of the part
// in memory (a part buffer per worker cost a zero-fill and first-touch faults, 20% of a
// cold publish's CPU, and concurrency x part size of RSS). A file changed since its part
// MD5s were computed is refused by the store (Content-MD5) or caught by complete().
Status send_part(Run& run, MultipartJob& job, int index) {
  const std::uint64_t len = job.part_length(index);
  const auto at = static_cast<std::size_t>(index);
  const digest::Md5 md5 = job.part_md5s[at];
  if (!job.resumable_etags[at].empty() && job.resumable_etags[at] == digest::hex(md5)) {
    // uploaded by a run that was killed; its bytes are the file's
    job.parts[at] = {index + 1, job.resumable_etags[at], len};
    ++job.parts_resumed;
    return ok_status();
  }
  s3::CallStats st;
  auto etag =
      run.client.upload_part(job.object, job.upload_id, index + 1,
                             s3::Body::range(job.fd.get(), static_cast<std::uint64_t>(index) * job.part_size, len),
                             digest::content_md5(md5), &st);
  job.retries += st.retries;
  if (!etag) return etag.error();
  if (run.opts.etag_check && *etag != digest::hex(md5))
    return integrity_error(
        fmt::format("part {} of s3://{}/{}: the store's ETag {} differs from the part's MD5 {}: "
                    "if this store's ETags are not MD5s, pass --etag-check off",
                    index + 1, job.object.bucket, job.object.key, *etag, digest::hex(md5)));
  job.parts[at] = {index + 1, *etag, len};
  run.add_progress(len);
  return ok_status();
}

void forget(Run& run, const MultipartJob& job) {
  run.states.remove(job.object.bucket, job.object.key);
  std::lock_guard lock(run.mu);
  run.active.erase(job.object.key);
}

// A cold file's SHA-256, waited for by the part that finished last (a pool worker: the
// thread it waits on is no pool task, so the wait cannot deadlock the pool). False when
// the read failed: the file changed.
bool sha256_ready(MultipartJob& job) {
  if (job.sums) return true;
  job.join_sha(false);
  return job.sha256.has_value();
}

// Run by the part that finished last.
void complete(Run& run, const std::shared_ptr<MultipartJob>& job) {
  const bool stopped = job->failed || run.stopping();
  const bool changed = !unchanged(job->file) || (!stopped && !sha256_ready(*job));
  if (stopped || changed) {
    job->join_sha(true);
    // Cancelled or failed runs are aborted in one place (abort_active) after the pool drains.
    if (changed && !run.stopping()) {
      (void)run.client.abort_multipart(job->object, job->upload_id);
      forget(run, *job);
      run.fail(changed_error(job->file.path));
    }
    return;
  }
  std::string expected = digest::multipart_etag(job->part_md5s.data(), job->part_md5s.size());
  s3::CallStats st;
  auto etag = run.client.complete_multipart(job->object, job->upload_id, job->parts, run.opts.no_overwrite, &st);
  int retries = job->retries + st.retries;
  if (!etag) (void)run.client.abort_multipart(job->object, job->upload_id);
  forget(run, *job);
  if (!etag) return run.fail(etag.error());
  auto verified = verify_etag(run.client, run.opts.etag_check, job->object.bucket, job->object.key, *etag, expected,
                              job->file.stamp.size, retries);
  if (!verified) {
    (void)run.client.delete_object(job->object);
    return run.fail(verified.error());
  }
  if (!run.opts.headers.tags.empty()) {  // a store may drop the tags CreateMultipartUpload sent
    auto head = run.client.head(job->object);
    if (!head) return run.fail(head.error());
    if (auto tagged = ensure_tags(run.client, job->object, run.opts.headers.tags, head->headers, retries); !tagged)
      return run.fail(tagged.error());
  }
  FileResult r = run.result_for(job->file, job->object.key, job->md5hex(), job->sha256hex());
  r.digests_cached = job->sums ? job->sums->cached : job->sha256_cached;
  if (!job->sums && !job->sha256_cached)  // a cache that cannot be written costs only speed
    (void)run.digest_cache.record_sha256(job->file.path, job->file.stamp, *job->sha256);
  r.part_size = job->part_size;
  r.etag = *verified;
  r.retries = retries;
  r.parts = job->part_count;
  r.parts_resumed = job->parts_resumed;
  run.finished(std::move(r));
}

void upload_part(Run& run, const std::shared_ptr<MultipartJob>& job, int index) {
  if (!run.stopping() && !job->failed) {
    Status sent = send_part(run, *job, index);
    if (!sent && !unchanged(job->file)) sent = changed_error(job->file.path);  // e.g. it shrank under the read
    if (!sent) {
      job->failed = true;
      run.fail(sent.error());
    }
  } else {
    job->failed = true;
  }
  if (--job->remaining == 0) complete(run, job);
}

// One task per file: hashes the parts a group at a time (kLaneParts, source_file.h) and
// queues each group's parts as soon as their MD5s are known, so the first parts go out
// while later ones are hashed.
void hash_and_post(Run& run, const std::shared_ptr<MultipartJob>& job) {
  for (int first = 0; first < job->part_count; first += kLaneParts) {
    const int n = std::min(kLaneParts, job->part_count - first);
    if (run.stopping() || job->failed ||
        !part_md5s(job->fd.get(), job->file.stamp.size, job->part_size, first, n, job->part_md5s.data() + first)) {
      if (!run.stopping() && !job->failed) run.fail(changed_error(job->file.path));
      job->failed = true;
      if ((job->remaining -= job->part_count - first) == 0) complete(run, job);  // parts never queued
      return;
    }
    for (int i = first + n - 1; i >= first; --i) run.pool.post([&run, job, i] { upload_part(run, job, i); }, true);
  }
}

// A cold file's SHA-256 thread; false when no thread could be started.
bool start_sha256(const std::shared_ptr<MultipartJob>& job) {
  if (job->sums || job->sha256) return true;
  MultipartJob* j = job.get();  // not the shared_ptr: the job joins the thread before it dies
  try {
    j->sha_thread = std::thread([j] { j->sha256 = file_sha256(j->fd.get(), j->file.stamp.size, &j->stop_sha); });
  } catch (const std::system_error&) {
    return false;
  }
  return true;
}

}  // namespace

void start_multipart(Run& run, const PlannedFile& f, UniqueFd fd, const std::optional<FileSums>& sums,
                     const std::optional<KnownSha256>& sha256, int retries, const s3::PutOptions& opts) {
  auto job = std::make_shared<MultipartJob>();
  job->file = f;
  job->object = run.object_for(run.primary(), f.relative);
  job->fd = std::move(fd);
  job->sums = sums;
  if (sha256) job->sha256 = sha256->value, job->sha256_cached = sha256->cached;
  job->retries = retries;
  if (auto st = start_or_resume(run, *job, opts); !st) return run.fail(st.error());
  if (!start_sha256(job)) {
    (void)run.client.abort_multipart(job->object, job->upload_id);
    run.states.remove(job->object.bucket, job->object.key);
    return run.fail(runtime_error("cannot start a thread for the SHA-256 of " + f.path));
  }
  {
    std::lock_guard lock(run.mu);
    run.active[job->object.key] = job;
  }
  run.pool.post([&run, job] { hash_and_post(run, job); }, true);
}

void abort_active(Run& run) {
  std::map<std::string, std::shared_ptr<MultipartJob>> jobs;
  {
    std::lock_guard lock(run.mu);
    jobs.swap(run.active);
  }
  for (auto& [key, job] : jobs) {
    (void)run.client.abort_multipart(job->object, job->upload_id);
    run.states.remove(job->object.bucket, key);
  }
}

// A run killed with SIGKILL cannot abort its uploads; the next run for the same keys
// does, so no orphaned parts keep costing storage. Only keys this run publishes.
Status abort_stale_uploads(Run& run, const std::vector<PlannedFile>& files) {
  const auto& dest = run.primary();
  auto uploads = run.client.list_multipart_uploads({dest.bucket, listing_prefix(dest)});
  if (!uploads) return uploads.error();
  std::map<std::string, bool> ours;
  for (const auto& f : files) ours[join_key(dest.key, f.relative)] = true;
  for (const auto& u : *uploads) {
    if (!ours.count(u.key)) continue;
    // An upload this machine recorded is resumed (or aborted) when its file comes up.
    if (auto saved = run.states.load(dest.bucket, u.key); saved && saved->upload_id == u.upload_id) continue;
    XSHIP_TRY(run.client.abort_multipart({dest.bucket, u.key}, u.upload_id));
    ++run.report.stale_uploads_aborted;
  }
  return ok_status();
}

}  // namespace xship::publish
