// Server-side copies to the second and later destinations: CopyObject, or UploadPartCopy
// part by part above copy_threshold (CopyObject stops at 5 GiB). Each copy is verified
// like an upload.
#include <fmt/format.h>

#include <algorithm>

#include "publish/engine.h"

namespace xship::publish {

namespace {

// The copy holds the source's bytes: same size, and an ETag that is the source's or the
// MD5 (when known: a cold multipart file has none, and its copy keeps its multipart ETag,
// as CopyObject does on Ceph RGW and a copy cut in the source's parts does anywhere).
Result<std::string> verify_copy(Run& run, const FileResult& src, const s3::ObjectRef& target,
                                const s3::ObjectHeaders& want, s3::CallStats& st) {
  auto head = run.client.head(target, &st);
  if (!head) return head.error();
  if (!head->exists || head->size != src.size ||
      (run.opts.etag_check && head->etag != src.etag &&
       (src.md5.empty() || (head->etag != src.md5 && head->metadata["md5"] != src.md5)))) {
    (void)run.client.delete_object(target);
    return integrity_error(fmt::format("copy to s3://{}/{} does not match its source (size {}, ETag {})", target.bucket,
                                       target.key, head->size, head->etag));
  }
  int retries = 0;
  XSHIP_TRY(ensure_tags(run.client, target, want.tags, head->headers, retries));
  st.retries += retries;
  return head->etag;
}

}  // namespace

void copy_to(Run& run, const FileResult& src, std::size_t dest_index) {
  const S3Location& dest = run.opts.destinations[dest_index];
  if (run.stopping()) return;
  const s3::ObjectRef target = run.object_for(dest, src.name);
  FileResult r = src;
  r.bucket = target.bucket;
  r.key = target.key;
  r.url = run.links.url(target);
  r.presigned_url = run.links.presigned(target);
  r.retries = 0;
  r.status = FileStatus::Copied;
  // The copy gets this run's headers and tags, not the source's: a store may keep other
  // headers on the second destination, and some drop tags on copies.
  const bool cold = src.md5.empty();  // no whole-file sums: compared by its multipart ETag
  auto want =
      object_headers(run.opts.headers, src.name,
                     cold ? std::nullopt : std::optional<WholeSums>(WholeSums{src.md5, src.sha256}), src.part_size);
  if (!want) return run.fail(want.error());
  const RemoteObject* there = run.remotes[dest_index].find(r.key);
  if (!run.opts.force && there && there->size == src.size && there->etag == src.etag) {
    const LocalBytes local = cold ? LocalBytes::multipart(src.etag) : LocalBytes(src.md5);
    auto existing = check_existing(run.client, there, target, src.size, local, run.opts.etag_check, *want, r.retries);
    if (!existing) return run.fail(existing.error());
    if (*existing == Existing::Same) {
      r.status = FileStatus::Skipped;
      return run.finished(std::move(r));
    }
  }
  s3::CallStats st;
  CopyLimits limits = run.copy_limits();
  if (cold && src.part_size)  // copied part by part as it was uploaded: the copy keeps the ETag on any store
    limits = {0, src.part_size};
  if (auto copied = server_copy(run.client, {src.bucket, src.key}, target, src.size, *want, limits, st); !copied)
    return run.fail(copied.error());
  auto etag = verify_copy(run, src, target, *want, st);
  r.retries += st.retries;
  if (!etag) return run.fail(etag.error());
  r.etag = *etag;
  run.finished(std::move(r));
}

}  // namespace xship::publish
