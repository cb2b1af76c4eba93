#include "publish/existing.h"

#include <fmt/format.h>

#include <algorithm>

namespace xship::publish {

Existing compare_existing(const RemoteObject* listed, const s3::ObjectInfo* head, std::uint64_t size,
                          const LocalBytes& local, bool etag_check, const s3::ObjectHeaders& want) {
  if (!listed || listed->size != size || !head || !head->exists || head->size != size) return Existing::Upload;
  auto stored_md5 = head->metadata.find("md5");
  // An empty value matches nothing: an object without md5 metadata is not "the same" as a
  // file whose MD5 was not computed.
  auto etag_is = [&](const std::string& v) {
    return etag_check && !v.empty() && (listed->etag == v || head->etag == v);
  };
  const bool same_bytes =
      etag_is(local.md5hex) || etag_is(local.multipart_etag) ||
      (!local.md5hex.empty() && stored_md5 != head->metadata.end() && stored_md5->second == local.md5hex);
  if (!same_bytes) return Existing::Upload;
  s3::StoredHeaders have = head->headers;
  if (!have.tag_count) have.tag_count = static_cast<int>(want.tags.size());  // not told: same_tags decides
  return s3::header_differences(have, head->metadata, want).empty() ? Existing::Same : Existing::HeadersDiffer;
}

Result<Existing> check_existing(s3::Client& client, const RemoteObject* listed, const s3::ObjectRef& obj,
                                std::uint64_t size, const LocalBytes& local, bool etag_check,
                                const s3::ObjectHeaders& want, int& retries) {
  if (!listed || listed->size != size) return Existing::Upload;
  s3::CallStats st;
  auto head = client.head(obj, &st);
  retries += st.retries;
  if (!head) return head.error();
  Existing e = compare_existing(listed, &*head, size, local, etag_check, want);
  if (e != Existing::Same || want.tags.empty()) return e;
  auto tags = client.get_tagging(obj, &st);
  retries += st.retries;
  if (!tags) return tags.error();
  return s3::same_tags(*tags, want.tags) ? Existing::Same : Existing::HeadersDiffer;
}

Status ensure_tags(s3::Client& client, const s3::ObjectRef& obj, const std::vector<s3::Tag>& want,
                   const s3::StoredHeaders& seen, int& retries) {
  const bool right = seen.tag_count ? *seen.tag_count == static_cast<int>(want.size()) : want.empty();
  if (right) return ok_status();
  s3::CallStats st;
  Status put = client.put_tagging(obj, want, &st);
  retries += st.retries;
  return put;
}

Status server_copy(s3::Client& client, const s3::ObjectRef& source, const s3::ObjectRef& target, std::uint64_t size,
                   const s3::ObjectHeaders& headers, const CopyLimits& limits, s3::CallStats& st) {
  if (size <= limits.threshold) {
    auto etag = client.copy_object(source, target, size, &st, &headers);
    if (!etag) return etag.error();
    return ok_status();
  }
  s3::PutOptions create;
  create.headers = headers;  // no Content-MD5: no body
  auto id = client.create_multipart(target, create, &st);
  if (!id) return id.error();
  std::vector<s3::Part> parts;
  const std::uint64_t copy_part = effective_part_size(size, limits.part_size);
  for (std::uint64_t off = 0; off < size; off += copy_part) {
    int n = static_cast<int>(parts.size()) + 1;
    auto etag = client.upload_part_copy({source, off, std::min(size, off + copy_part) - 1, target, *id, n}, &st);
    if (!etag) {
      (void)client.abort_multipart(target, *id);
      return etag.error();
    }
    parts.push_back({n, *etag, 0});
  }
  auto done = client.complete_multipart(target, *id, parts, false, &st);
  if (!done) {
    (void)client.abort_multipart(target, *id);
    return done.error();
  }
  return ok_status();
}

Result<std::string> rewrite_headers(s3::Client& client, const s3::ObjectRef& obj, std::uint64_t size,
                                    const std::string& md5hex, const s3::ObjectHeaders& want, const CopyLimits& limits,
                                    bool etag_check, int& retries) {
  s3::CallStats st;
  Status copied = server_copy(client, obj, obj, size, want, limits, st);
  retries += st.retries;
  if (!copied) return copied.error();
  st = {};
  auto head = client.head(obj, &st);
  retries += st.retries;
  if (!head) return head.error();
  auto stored_md5 = head->metadata.find("md5");
  if (!head->exists || head->size != size ||
      (etag_check && stored_md5 != head->metadata.end() && stored_md5->second != md5hex))
    return integrity_error(
        fmt::format("s3://{}/{}: after its headers were rewritten in place it no longer matches the "
                    "file (size {}): publish again with --force",
                    obj.bucket, obj.key, head->size));
  XSHIP_TRY(ensure_tags(client, obj, want.tags, head->headers, retries));
  return head->etag;
}

}  // namespace xship::publish
