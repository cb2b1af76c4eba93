#include "publish/uploader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "compress/digest_cache.h"
#include "core/thread_pool.h"
#include "digest/digest.h"
#include "fetch/fetch.h"
#include "publish/signing.h"
#include "publish/upload_state.h"

namespace xship::publish {

std::uint64_t effective_part_size(std::uint64_t file_size, std::uint64_t requested) {
  std::uint64_t part = std::max(requested, kMinPartSize);
  if ((file_size + part - 1) / part > kMaxParts) {
    std::uint64_t needed = (file_size + kMaxParts - 1) / kMaxParts;
    part = (needed + kMiB - 1) / kMiB * kMiB;
  }
  return part;
}

namespace {

// Files up to this size are read into memory once and hashed there; above it a single
// PUT streams from the file after a hashing pass.
constexpr std::uint64_t kMemoryPutLimit = 64 * kMiB;

using Remote = RemoteObject;

std::string content_type_for(const std::string& name) {
  static const std::map<std::string, std::string> kTypes = {
      {".json", "application/json"}, {".txt", "text/plain; charset=utf-8"}, {".gz", "application/gzip"},
      {".zst", "application/zstd"}, {".zip", "application/zip"}, {".tar", "application/x-tar"},
      {".html", "text/html; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"}};
  auto dot = name.rfind('.');
  if (dot != std::string::npos) {
    auto it = kTypes.find(name.substr(dot));
    if (it != kTypes.end()) return it->second;
  }
  if (name.ends_with("SHA256SUMS")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { if (fd >= 0) close(fd); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

Result<std::unique_ptr<Fd>> open_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return usage_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return std::make_unique<Fd>(fd);
}

s3::PutOptions verified_put_options(const std::string& name, const std::string& md5hex, const std::string& sha256hex,
                                    const digest::Md5& md5) {
  s3::PutOptions o;
  o.content_md5 = digest::content_md5(md5);
  o.content_type = content_type_for(name);
  // The whole-file sums travel with the object, so it can be verified later whatever
  // its ETag looks like (multipart, SSE-KMS).
  o.metadata = {{"md5", md5hex}, {"sha256", sha256hex}};
  return o;
}

Error changed_error(const std::string& path) {
  return integrity_error(fmt::format("'{}' changed while it was being published: nothing was left under its key; rerun once the file is final", path));
}

// A multipart upload in progress: parts finish in any order on any worker.
struct MultipartJob {
  PlannedFile file;
  std::string key;
  std::unique_ptr<Fd> fd;
  digest::FileDigests whole;
  std::uint64_t part_size = 0;
  int part_count = 0;
  std::string upload_id;
  std::vector<digest::Md5> part_md5s;
  std::vector<s3::Part> parts;
  std::vector<std::string> resumable_etags;  // from ListParts of a resumed upload; "" = send it
  std::atomic<int> parts_resumed{0};
  bool digests_cached = false;
  std::atomic<int> remaining{0};
  std::atomic<int> retries{0};
  std::atomic<bool> failed{false};
};

}  // namespace

Result<std::string> verify_etag(s3::Client& client, bool etag_check, const std::string& bucket, const std::string& key,
                                std::string got, const std::string& expected, std::uint64_t size, int& retries) {
  if (got.empty()) {  // Ceph RGW 16 sends an empty ETag in the Complete reply: ask again
    s3::CallStats st;
    auto head = client.head({bucket, key}, &st);
    retries += st.retries;
    if (!head) return head.error();
    if (!head->exists || head->size != size)
      return integrity_error(fmt::format("s3://{}/{}: stored size {} differs from the file's {}", bucket, key,
                                         head->size, size));
    got = head->etag;
  }
  if (etag_check && got != expected)
    return integrity_error(fmt::format("s3://{}/{}: the store's ETag {} differs from the computed {}: the object was "
                                       "removed; if this store's ETags are not MD5s, pass --etag-check off",
                                       bucket, key, got, expected));
  return got;
}

Result<bool> put_small_object(s3::Client& client, const std::string& bucket, const std::string& key,
                              const std::string& bytes, bool etag_check, const RemoteObject* current) {
  auto md5 = digest::md5(bytes);
  std::string md5hex = digest::hex(md5);
  if (current && current->size == bytes.size() && current->etag == md5hex) return false;
  std::string sha = digest::sha256_hex(bytes);
  auto opts = verified_put_options(key, md5hex, sha, md5);  // no If-None-Match: a prefix's manifest is replaced
  opts.payload_sha256 = sha;
  auto etag = client.put({bucket, key}, s3::Body::bytes(bytes), opts);
  if (!etag) return etag.error();
  int retries = 0;
  auto verified = verify_etag(client, etag_check, bucket, key, *etag, md5hex, bytes.size(), retries);
  if (!verified) return verified.error();
  return true;
}

namespace {

class Engine {
 public:
  Engine(s3::Client& client, const PublishOptions& opts, const FileCallback& on_file, Progress* progress,
         const std::atomic<bool>* cancel)
      : client_(client), opts_(opts), on_file_(on_file), progress_(progress), cancel_(cancel),
        states_(opts.state_dir), pool_(opts.concurrency) {}

  Result<PublishReport> run(const std::vector<PlannedFile>& files, const BuildInfo& info);

 private:
  bool stopping() const { return failed_.load() || (cancel_ && cancel_->load()); }
  void fail(Error e) {
    std::lock_guard lock(mu_);
    if (!first_error_) first_error_ = std::move(e);
    failed_ = true;
  }
  void finished(FileResult r) {
    std::lock_guard lock(mu_);
    if (on_file_) on_file_(r);
    report_.files.push_back(std::move(r));
  }
  void add_progress(std::uint64_t n) {
    if (progress_) progress_->bytes_done += n;
    std::lock_guard lock(mu_);
    report_.bytes_sent += n;
  }
  std::string dest_key(const S3Location& d, const std::string& rel) const { return join_key(d.key, rel); }

  Result<bool> already_there(const std::string& bucket, const std::string& key, std::uint64_t size,
                             const std::string& md5hex, int& retries);
  Result<std::string> verify_etag(const std::string& bucket, const std::string& key, std::string got,
                                  const std::string& expected, std::uint64_t size, int& retries);
  s3::PutOptions put_options(const std::string& name, const std::string& md5hex, const std::string& sha256hex,
                             const digest::Md5& md5) const;
  FileResult make_result(const PlannedFile& f, const std::string& key, const std::string& md5,
                         const std::string& sha256) const;

  void upload_small(const PlannedFile& f);
  void upload_large(const PlannedFile& f);
  void upload_part(const std::shared_ptr<MultipartJob>& job, int index);
  Status start_or_resume(MultipartJob& job, const s3::PutOptions& opts);
  void complete(const std::shared_ptr<MultipartJob>& job);
  void abort_active();
  Status abort_stale_uploads(const std::vector<PlannedFile>& files);
  void copy_to(const FileResult& src, const S3Location& dest, const std::map<std::string, Remote>& remote);
  Status put_small_bytes(const std::string& bucket, const std::string& key, const std::string& bytes,
                         const std::map<std::string, Remote>& remote);
  Result<std::map<std::string, Remote>> list_remote(const S3Location& d);
  Status put_job_manifest(const S3Location& dest, const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                          const std::map<std::string, Remote>& remote);

  s3::Client& client_;
  const PublishOptions& opts_;
  const FileCallback& on_file_;
  Progress* progress_;
  const std::atomic<bool>* cancel_;
  std::mutex mu_;
  std::optional<Error> first_error_;
  std::atomic<bool> failed_{false};
  PublishReport report_;
  std::map<std::string, Remote> remote_;  // what the first destination already holds
  std::map<std::string, std::shared_ptr<MultipartJob>> active_;
  UploadStateStore states_;
  compress::DigestCache digest_cache_;  // sums `xship compress` wrote: no third read
  ThreadPool pool_;  // last member: its workers must stop before the rest is destroyed
};

Result<std::map<std::string, Remote>> Engine::list_remote(const S3Location& d) {
  // One listing answers "is it there already?" for every file at once, and doubles as
  // the check that the bucket exists and the keys work before anything is uploaded.
  std::string prefix = d.key.empty() || d.key.ends_with('/') ? d.key : d.key + "/";
  auto listed = client_.list_objects({d.bucket, prefix});
  if (!listed) return listed.error();
  std::map<std::string, Remote> out;
  for (auto& o : *listed) out[o.key] = {o.size, o.etag};
  return out;
}

Result<bool> Engine::already_there(const std::string& bucket, const std::string& key, std::uint64_t size,
                                   const std::string& md5hex, int& retries) {
  if (opts_.force) return false;
  auto it = remote_.find(key);
  if (it == remote_.end() || it->second.size != size) return false;
  if (opts_.etag_check && it->second.etag == md5hex) return true;
  // A multipart ETag (or a store whose ETags are not MD5s): the MD5 we stored says it.
  s3::CallStats st;
  auto head = client_.head({bucket, key}, &st);
  retries += st.retries;
  if (!head) return head.error();
  return head->exists && head->size == size && head->metadata["md5"] == md5hex;
}

Result<std::string> Engine::verify_etag(const std::string& bucket, const std::string& key, std::string got,
                                        const std::string& expected, std::uint64_t size, int& retries) {
  return publish::verify_etag(client_, opts_.etag_check, bucket, key, std::move(got), expected, size, retries);
}

s3::PutOptions Engine::put_options(const std::string& name, const std::string& md5hex, const std::string& sha256hex,
                                   const digest::Md5& md5) const {
  s3::PutOptions o = verified_put_options(name, md5hex, sha256hex, md5);
  o.if_none_match = opts_.no_overwrite;
  return o;
}

FileResult Engine::make_result(const PlannedFile& f, const std::string& key, const std::string& md5,
                               const std::string& sha256) const {
  FileResult r;
  r.name = f.relative;
  r.key = key;
  r.bucket = opts_.destinations[0].bucket;
  r.size = f.stamp.size;
  r.md5 = md5;
  r.sha256 = sha256;
  r.url = client_.object_url({r.bucket, key});
  r.os = f.os;
  r.arch = f.arch;
  r.artifact = f.artifact;
  return r;
}

void Engine::upload_small(const PlannedFile& f) {
  if (stopping()) return;
  const auto& dest = opts_.destinations[0];
  std::string key = dest_key(dest, f.relative);
  auto fd = open_file(f.path);
  if (!fd) return fail(fd.error());
  thread_local std::string buf;
  buf.resize(f.stamp.size);
  std::uint64_t got = 0;
  while (got < f.stamp.size) {
    ssize_t n = pread((*fd)->fd, buf.data() + got, f.stamp.size - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(changed_error(f.path));
    got += static_cast<std::uint64_t>(n);
  }
  auto after = stamp_file(f.path);
  if (!after || !(*after == f.stamp)) return fail(changed_error(f.path));
  digest::Md5 md5;
  std::string md5hex, sha;
  bool cached_sums = false;
  if (auto cached = digest_cache_.lookup(f.path, f.stamp)) {
    md5 = cached->md5;
    sha = digest::hex(cached->sha256);
    cached_sums = true;
  } else {
    md5 = digest::md5(buf);
    sha = digest::sha256_hex(buf);
  }
  md5hex = digest::hex(md5);
  FileResult r = make_result(f, key, md5hex, sha);
  r.digests_cached = cached_sums;

  auto present = already_there(dest.bucket, key, f.stamp.size, md5hex, r.retries);
  if (!present) return fail(present.error());
  if (*present) {
    r.status = FileStatus::Skipped;
    r.etag = remote_.at(key).etag;
    return finished(std::move(r));
  }
  auto opts = put_options(f.relative, md5hex, sha, md5);
  opts.payload_sha256 = sha;  // already computed: sign the payload for free
  s3::CallStats st;
  auto etag = client_.put({dest.bucket, key}, s3::Body::bytes(buf), opts, &st);
  r.retries += st.retries;
  if (!etag) return fail(etag.error());
  auto verified = verify_etag(dest.bucket, key, *etag, md5hex, f.stamp.size, r.retries);
  if (!verified) {
    (void)client_.delete_object({dest.bucket, key});
    return fail(verified.error());
  }
  r.etag = *verified;
  add_progress(f.stamp.size);
  finished(std::move(r));
}

void Engine::upload_large(const PlannedFile& f) {
  if (stopping()) return;
  const auto& dest = opts_.destinations[0];
  auto job = std::make_shared<MultipartJob>();
  job->file = f;
  job->key = dest_key(dest, f.relative);
  auto fd = open_file(f.path);
  if (!fd) return fail(fd.error());
  job->fd = std::move(*fd);
  bool cached_sums = false;
  if (auto cached = digest_cache_.lookup(f.path, f.stamp)) {
    job->whole = *cached;  // compress hashed these bytes as it wrote them
    cached_sums = true;
  } else if (!digest::digest_file_range(job->fd->fd, 0, f.stamp.size, job->whole)) {
    return fail(changed_error(f.path));
  } else {
    // Remember the sums of big files so an unchanged re-publish skips this pass. Small
    // files are read anyway to be sent, so caching them would only cost cache writes.
    (void)digest_cache_.record(f.path, f.stamp, job->whole.md5, job->whole.sha256);
  }
  std::string md5hex = digest::hex(job->whole.md5), sha = digest::hex(job->whole.sha256);

  int retries = 0;
  auto present = already_there(dest.bucket, job->key, f.stamp.size, md5hex, retries);
  if (!present) return fail(present.error());
  if (*present) {
    FileResult r = make_result(f, job->key, md5hex, sha);
    r.digests_cached = cached_sums;
    r.status = FileStatus::Skipped;
    r.etag = remote_.at(job->key).etag;
    r.retries = retries;
    return finished(std::move(r));
  }
  auto opts = put_options(f.relative, md5hex, sha, job->whole.md5);

  if (f.stamp.size <= opts_.multipart_threshold) {  // a large single PUT, streamed from the file
    FileResult r = make_result(f, job->key, md5hex, sha);
    r.digests_cached = cached_sums;
    s3::CallStats st;
    auto etag = client_.put({dest.bucket, job->key},
                            s3::Body::range(job->fd->fd, 0, f.stamp.size), opts, &st);
    r.retries = retries + st.retries;
    if (!etag) return fail(etag.error());
    auto after = stamp_file(f.path);
    if (!after || !(*after == f.stamp)) {
      (void)client_.delete_object({dest.bucket, job->key});
      return fail(changed_error(f.path));
    }
    auto verified = verify_etag(dest.bucket, job->key, *etag, md5hex, f.stamp.size, r.retries);
    if (!verified) {
      (void)client_.delete_object({dest.bucket, job->key});
      return fail(verified.error());
    }
    r.etag = *verified;
    add_progress(f.stamp.size);
    return finished(std::move(r));
  }

  job->retries = retries;
  job->digests_cached = cached_sums;
  if (auto st = start_or_resume(*job, opts); !st) return fail(st.error());
  {
    std::lock_guard lock(mu_);
    active_[job->key] = job;
  }
  for (int i = 0; i < job->part_count; ++i) pool_.post([this, job, i] { upload_part(job, i); }, true);
}

Status Engine::start_or_resume(MultipartJob& job, const s3::PutOptions& opts) {
  const auto& bucket = opts_.destinations[0].bucket;
  auto layout = [&job](std::uint64_t part_size) {
    job.part_size = part_size;
    job.part_count = static_cast<int>((job.file.stamp.size + part_size - 1) / part_size);
    job.part_md5s.assign(job.part_count, {});
    job.parts.assign(job.part_count, {});
    job.resumable_etags.assign(job.part_count, "");
    job.remaining = job.part_count;
  };
  std::string md5hex = digest::hex(job.whole.md5);
  if (auto saved = states_.load(bucket, job.key)) {
    // Resume only the very same file: same path, stamp and content. Anything else means
    // the earlier upload is of another version: abort it and start over.
    bool same = saved->path == job.file.path && saved->stamp == job.file.stamp && saved->md5 == md5hex &&
                saved->part_size >= kMinPartSize;
    s3::CallStats st;
    auto listed = same ? client_.list_parts({bucket, job.key}, saved->upload_id, &st)
                       : Result<std::vector<s3::Part>>(runtime_error("not resumable"));
    job.retries += st.retries;
    if (listed) {
      layout(saved->part_size);
      job.upload_id = saved->upload_id;
      for (const auto& p : *listed) {
        std::uint64_t offset = static_cast<std::uint64_t>(p.number - 1) * job.part_size;
        if (p.number < 1 || p.number > job.part_count) continue;
        if (p.size != std::min(job.part_size, job.file.stamp.size - offset)) continue;
        job.resumable_etags[p.number - 1] = p.etag;  // re-verified against the file before use
      }
      return ok_status();
    }
    if (!same) (void)client_.abort_multipart({bucket, job.key}, saved->upload_id);
    states_.remove(bucket, job.key);
  }
  layout(effective_part_size(job.file.stamp.size, opts_.part_size));
  s3::CallStats st;
  auto id = client_.create_multipart({bucket, job.key}, opts, &st);
  job.retries += st.retries;
  if (!id) return id.error();
  job.upload_id = *id;
  return states_.save({bucket, job.key, job.upload_id, job.file.path, job.file.stamp, md5hex,
                       digest::hex(job.whole.sha256), job.part_size});
}

void Engine::upload_part(const std::shared_ptr<MultipartJob>& job, int index) {
  if (!stopping() && !job->failed) {
    std::uint64_t offset = static_cast<std::uint64_t>(index) * job->part_size;
    std::uint64_t len = std::min(job->part_size, job->file.stamp.size - offset);
    // One buffer per worker: memory stays at concurrency x part size whatever the file.
    thread_local std::string buf;
    buf.resize(len);
    std::uint64_t got = 0;
    bool ok = true;
    while (got < len) {
      ssize_t n = pread(job->fd->fd, buf.data() + got, len - got, static_cast<off_t>(offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) { ok = false; break; }
      got += static_cast<std::uint64_t>(n);
    }
    if (!ok) {
      job->failed = true;
      fail(changed_error(job->file.path));
    } else if (auto md5 = digest::md5(buf); !job->resumable_etags[index].empty() &&
                                             job->resumable_etags[index] == digest::hex(md5)) {
      // Uploaded by a run that was killed; its bytes are the file's bytes: keep it.
      job->part_md5s[index] = md5;
      job->parts[index] = {index + 1, job->resumable_etags[index], len};
      ++job->parts_resumed;
    } else {
      s3::CallStats st;
      auto etag = client_.upload_part({opts_.destinations[0].bucket, job->key}, job->upload_id, index + 1,
                                      s3::Body::bytes(buf), digest::content_md5(md5), &st);
      job->retries += st.retries;
      if (!etag) {
        job->failed = true;
        fail(etag.error());
      } else if (opts_.etag_check && *etag != digest::hex(md5)) {
        job->failed = true;
        fail(integrity_error(fmt::format("part {} of s3://{}/{}: the store's ETag {} differs from the part's MD5 {}: "
                                         "if this store's ETags are not MD5s, pass --etag-check off",
                                         index + 1, opts_.destinations[0].bucket, job->key, *etag, digest::hex(md5))));
      } else {
        job->part_md5s[index] = md5;
        job->parts[index] = {index + 1, *etag, len};
        add_progress(len);
      }
    }
  } else {
    job->failed = true;
  }
  if (--job->remaining == 0) complete(job);
}

void Engine::complete(const std::shared_ptr<MultipartJob>& job) {
  const auto& bucket = opts_.destinations[0].bucket;
  auto forget = [&] {
    std::lock_guard lock(mu_);
    active_.erase(job->key);
  };
  auto after = stamp_file(job->file.path);
  bool changed = !after || !(*after == job->file.stamp);
  if (job->failed || stopping() || changed) {
    // Cancelled or failed runs are aborted in one place (abort_active) after the pool drains.
    if (changed && !stopping()) {
      (void)client_.abort_multipart({bucket, job->key}, job->upload_id);
      states_.remove(bucket, job->key);
      forget();
      fail(changed_error(job->file.path));
    }
    return;
  }
  std::string expected = digest::multipart_etag(job->part_md5s.data(), job->part_md5s.size());
  s3::CallStats st;
  auto etag = client_.complete_multipart({bucket, job->key}, job->upload_id, job->parts, opts_.no_overwrite, &st);
  int retries = job->retries + st.retries;
  if (!etag) {
    (void)client_.abort_multipart({bucket, job->key}, job->upload_id);
    states_.remove(bucket, job->key);
    forget();
    return fail(etag.error());
  }
  states_.remove(bucket, job->key);
  forget();
  auto verified = verify_etag(bucket, job->key, *etag, expected, job->file.stamp.size, retries);
  if (!verified) {
    (void)client_.delete_object({bucket, job->key});
    return fail(verified.error());
  }
  FileResult r = make_result(job->file, job->key, digest::hex(job->whole.md5), digest::hex(job->whole.sha256));
  r.etag = *verified;
  r.retries = retries;
  r.parts = job->part_count;
  r.parts_resumed = job->parts_resumed;
  r.digests_cached = job->digests_cached;
  finished(std::move(r));
}

void Engine::abort_active() {
  std::map<std::string, std::shared_ptr<MultipartJob>> jobs;
  {
    std::lock_guard lock(mu_);
    jobs.swap(active_);
  }
  for (auto& [key, job] : jobs) {
    (void)client_.abort_multipart({opts_.destinations[0].bucket, key}, job->upload_id);
    states_.remove(opts_.destinations[0].bucket, key);
  }
}

Status Engine::abort_stale_uploads(const std::vector<PlannedFile>& files) {
  // A run killed with SIGKILL cannot abort its uploads; the next run for the same keys
  // does, so no orphaned parts keep costing storage. Only keys this run publishes.
  const auto& dest = opts_.destinations[0];
  std::string prefix = dest.key.empty() || dest.key.ends_with('/') ? dest.key : dest.key + "/";
  auto uploads = client_.list_multipart_uploads({dest.bucket, prefix});
  if (!uploads) return uploads.error();
  std::map<std::string, bool> ours;
  for (const auto& f : files) ours[dest_key(dest, f.relative)] = true;
  for (const auto& u : *uploads) {
    if (!ours.count(u.key)) continue;
    // An upload this machine recorded is resumed (or aborted) when its file comes up.
    if (auto saved = states_.load(dest.bucket, u.key); saved && saved->upload_id == u.upload_id) continue;
    XSHIP_TRY(client_.abort_multipart({dest.bucket, u.key}, u.upload_id));
    ++report_.stale_uploads_aborted;
  }
  return ok_status();
}

void Engine::copy_to(const FileResult& src, const S3Location& dest, const std::map<std::string, Remote>& remote) {
  if (stopping()) return;
  FileResult r = src;
  r.bucket = dest.bucket;
  r.key = dest_key(dest, src.name);
  r.url = client_.object_url({r.bucket, r.key});
  r.retries = 0;
  r.status = FileStatus::Copied;
  auto it = remote.find(r.key);
  if (!opts_.force && it != remote.end() && it->second.size == src.size && it->second.etag == src.etag) {
    r.status = FileStatus::Skipped;
    return finished(std::move(r));
  }
  s3::CallStats st;
  if (src.size <= opts_.copy_threshold) {
    auto etag = client_.copy_object({src.bucket, src.key}, {r.bucket, r.key}, src.size, &st);
    if (!etag) return fail(etag.error());
  } else {  // UploadPartCopy: CopyObject stops at 5 GiB
    s3::PutOptions meta;
    meta.content_type = content_type_for(src.name);
    meta.metadata = {{"md5", src.md5}, {"sha256", src.sha256}};
    auto id = client_.create_multipart({r.bucket, r.key}, meta, &st);
    if (!id) return fail(id.error());
    std::vector<s3::Part> parts;
    const std::uint64_t copy_part = effective_part_size(src.size, opts_.copy_part_size);
    for (std::uint64_t off = 0; off < src.size; off += copy_part) {
      int n = static_cast<int>(parts.size()) + 1;
      auto etag = client_.upload_part_copy(
          {{src.bucket, src.key}, off, std::min(src.size, off + copy_part) - 1, {r.bucket, r.key}, *id, n}, &st);
      if (!etag) {
        (void)client_.abort_multipart({r.bucket, r.key}, *id);
        return fail(etag.error());
      }
      parts.push_back({n, *etag, 0});
    }
    auto done = client_.complete_multipart({r.bucket, r.key}, *id, parts, false, &st);
    if (!done) {
      (void)client_.abort_multipart({r.bucket, r.key}, *id);
      return fail(done.error());
    }
  }
  r.retries = st.retries;
  // The copy is verified like an upload: same size, and an ETag that is the source's or the MD5.
  auto head = client_.head({r.bucket, r.key}, &st);
  if (!head) return fail(head.error());
  if (!head->exists || head->size != src.size ||
      (opts_.etag_check && head->etag != src.etag && head->etag != src.md5 && head->metadata["md5"] != src.md5)) {
    (void)client_.delete_object({r.bucket, r.key});
    return fail(integrity_error(fmt::format("copy to s3://{}/{} does not match its source (size {}, ETag {})", r.bucket,
                                            r.key, head->size, head->etag)));
  }
  r.etag = head->etag;
  finished(std::move(r));
}

Status Engine::put_small_bytes(const std::string& bucket, const std::string& key, const std::string& bytes,
                               const std::map<std::string, Remote>& remote) {
  auto it = remote.find(key);
  XSHIP_TRY(put_small_object(client_, bucket, key, bytes, opts_.etag_check,
                             opts_.force || it == remote.end() ? nullptr : &it->second));
  return ok_status();
}

Status Engine::put_job_manifest(const S3Location& dest, const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                                const std::map<std::string, Remote>& remote) {
  std::string key = job_manifest_key(dest.key, opts_.job_manifest);
  std::string bytes = job_manifest_json(opts_.job_manifest, entries, info);
  if (!opts_.force) {
    // Read now, not from the listing at the start: a job sharing our name may have finished
    // meanwhile. Missing or unreadable: nothing to protect, it is replaced.
    if (auto existing = fetch::fetch_bytes(client_, dest.bucket, key, opts_.etag_check)) {
      if (auto doc = parse_manifest_doc(*existing))
        XSHIP_TRY(check_job_manifest_replace(*doc, opts_.job_manifest, entries, info));
    }
  }
  XSHIP_TRY(put_small_bytes(dest.bucket, key, bytes, remote));
  report_.manifest_urls.push_back(client_.object_url({dest.bucket, key}));
  return ok_status();
}

Result<PublishReport> Engine::run(const std::vector<PlannedFile>& files, const BuildInfo& info) {
  const bool job = !opts_.job_manifest.empty();
  for (const auto& f : files) {
    if (opts_.write_manifest && is_release_document_name(f.relative))
      return usage_error(fmt::format("'{}' would be overwritten by the manifest xship writes: rename it or pass --no-manifest", f.path));
    if (job && f.relative.starts_with(kJobManifestDir))
      return usage_error(fmt::format("'{}' would land in {}, where the job manifests live: rename its directory", f.path, kJobManifestDir));
  }
  for (const auto& d : opts_.destinations)
    for (const auto& f : files) XSHIP_TRY(validate_key(dest_key(d, f.relative)));

  std::vector<std::map<std::string, Remote>> remotes;
  for (const auto& d : opts_.destinations) {
    auto r = list_remote(d);
    if (!r) return r.error();
    remotes.push_back(std::move(*r));
  }
  remote_ = remotes[0];
  XSHIP_TRY(abort_stale_uploads(files));
  if (progress_)
    for (const auto& f : files) progress_->bytes_total += f.stamp.size;

  // Big files first: their parts keep every connection busy while small files fill gaps.
  std::vector<const PlannedFile*> order;
  for (const auto& f : files) order.push_back(&f);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->stamp.size > b->stamp.size; });
  for (const PlannedFile* f : order) {
    if (f->stamp.size <= std::min(opts_.multipart_threshold, kMemoryPutLimit))
      pool_.post([this, f] { upload_small(*f); });
    else
      pool_.post([this, f] { upload_large(*f); });
  }
  pool_.wait();
  if (stopping()) {
    abort_active();
    if (cancel_ && cancel_->load())
      return Error{ErrorCategory::Interrupted, "interrupted: in-flight multipart uploads were aborted and no manifest was written"};
    return *first_error_;
  }

  std::vector<FileResult> primary = report_.files;
  for (std::size_t d = 1; d < opts_.destinations.size(); ++d) {
    for (const auto& src : primary) pool_.post([this, src, d, &remotes] { copy_to(src, opts_.destinations[d], remotes[d]); });
    pool_.wait();
    if (stopping()) {
      if (cancel_ && cancel_->load()) return Error{ErrorCategory::Interrupted, "interrupted during server-side copies; no manifest was written"};
      return *first_error_;
    }
  }

  if (opts_.write_manifest) {
    // Only now, with every object verified, do the checksums and the manifest go up:
    // a consumer that finds a manifest can trust every file it names.
    for (std::size_t d = 0; d < opts_.destinations.size(); ++d) {
      const auto& dest = opts_.destinations[d];
      std::vector<ManifestEntry> entries;
      for (const auto& r : report_.files) {
        if (r.bucket != dest.bucket || r.key != dest_key(dest, r.name)) continue;
        entries.push_back({r.name, r.key, r.size, r.md5, r.sha256, r.etag, r.url, r.os, r.arch, r.artifact});
      }
      if (cancel_ && cancel_->load()) return Error{ErrorCategory::Interrupted, "interrupted before the manifest was written"};
      if (job) {  // matrix CI: this job's share only; --merge-manifests writes the release's
        XSHIP_TRY(put_job_manifest(dest, entries, info, remotes[d]));
        continue;
      }
      auto docs = release_documents(entries, info, opts_.sign_key, opts_.provenance);
      if (!docs) return docs.error();
      for (const auto& doc : *docs) XSHIP_TRY(put_small_bytes(dest.bucket, dest_key(dest, doc.name), doc.bytes, remotes[d]));
      report_.manifest_urls.push_back(client_.object_url({dest.bucket, dest_key(dest, kManifestName)}));
    }
  }
  return std::move(report_);
}

}  // namespace

Result<PublishReport> run_publish(s3::Client& client, const std::vector<PlannedFile>& files,
                                  const PublishOptions& opts, const BuildInfo& info, const FileCallback& on_file,
                                  Progress* progress, const std::atomic<bool>* cancel) {
  if (opts.destinations.empty()) return usage_error("no destination: pass --to s3://BUCKET/PREFIX or set ARTIFACTS_BUCKET");
  Engine engine(client, opts, on_file, progress, cancel);
  return engine.run(files, info);
}

}  // namespace xship::publish
