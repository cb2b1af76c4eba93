// Server-side copies to the second and later destinations: CopyObject, or UploadPartCopy
// part by part above copy_threshold (CopyObject stops at 5 GiB). Each copy is verified
// like an upload.
#include <fmt/format.h>

#include <algorithm>

#include "publish/engine.h"

namespace xship::publish {

namespace {

Status copy_in_parts(Run& run, const FileResult& src, const s3::ObjectRef& target, s3::CallStats& st) {
  // CreateMultipartUpload sends the type and the sums' metadata (no Content-MD5: no body).
  auto meta = verified_put_options(src.name, src.md5, src.sha256, {});
  auto id = run.client.create_multipart(target, meta, &st);
  if (!id) return id.error();
  std::vector<s3::Part> parts;
  const std::uint64_t copy_part = effective_part_size(src.size, run.opts.copy_part_size);
  for (std::uint64_t off = 0; off < src.size; off += copy_part) {
    int n = static_cast<int>(parts.size()) + 1;
    auto etag = run.client.upload_part_copy(
        {{src.bucket, src.key}, off, std::min(src.size, off + copy_part) - 1, target, *id, n}, &st);
    if (!etag) {
      (void)run.client.abort_multipart(target, *id);
      return etag.error();
    }
    parts.push_back({n, *etag, 0});
  }
  auto done = run.client.complete_multipart(target, *id, parts, false, &st);
  if (!done) {
    (void)run.client.abort_multipart(target, *id);
    return done.error();
  }
  return ok_status();
}

// The copy holds the source's bytes: same size, and an ETag that is the source's or the MD5.
Result<std::string> verify_copy(Run& run, const FileResult& src, const s3::ObjectRef& target, s3::CallStats& st) {
  auto head = run.client.head(target, &st);
  if (!head) return head.error();
  if (!head->exists || head->size != src.size ||
      (run.opts.etag_check && head->etag != src.etag && head->etag != src.md5 && head->metadata["md5"] != src.md5)) {
    (void)run.client.delete_object(target);
    return integrity_error(fmt::format("copy to s3://{}/{} does not match its source (size {}, ETag {})",
                                       target.bucket, target.key, head->size, head->etag));
  }
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
  const RemoteObject* there = run.remotes[dest_index].find(r.key);
  if (!run.opts.force && there && there->size == src.size && there->etag == src.etag) {
    r.status = FileStatus::Skipped;
    return run.finished(std::move(r));
  }
  s3::CallStats st;
  if (src.size <= run.opts.copy_threshold) {
    auto etag = run.client.copy_object({src.bucket, src.key}, target, src.size, &st);
    if (!etag) return run.fail(etag.error());
  } else if (auto copied = copy_in_parts(run, src, target, st); !copied) {
    return run.fail(copied.error());
  }
  r.retries = st.retries;
  auto etag = verify_copy(run, src, target, st);
  if (!etag) return run.fail(etag.error());
  r.etag = *etag;
  run.finished(std::move(r));
}

}  // namespace xship::publish
