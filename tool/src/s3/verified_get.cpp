#include "s3/verified_get.h"

#include <fmt/format.h>

#include "digest/digest.h"
#include "digest/file_parts.h"
#include "s3/headers.h"
#include "s3/limits.h"

namespace xship::s3 {

Result<Wanted> wanted_sums(const std::string& bucket, const std::string& key, const ObjectInfo& head,
                           const ExpectedSums& expected, bool etag_check) {
  Wanted w;
  w.sha256 = expected.sha256;
  w.md5 = expected.md5;
  if (!w.sha256.empty())
    w.by = "manifest sha256";
  else if (!w.md5.empty())
    w.by = "manifest md5";
  auto meta = [&](const char* name) {
    auto it = head.metadata.find(name);
    return it == head.metadata.end() ? std::string() : it->second;
  };
  if (w.by.empty() && !meta("sha256").empty()) w.sha256 = meta("sha256"), w.by = "stored sha256";
  if (w.md5.empty() && !meta("md5").empty()) {
    w.md5 = meta("md5");
    if (w.by.empty()) w.by = "stored md5";
  }
  if (w.by.empty() && !head.etag.empty() && head.etag.find('-') == std::string::npos && head.etag.size() == 32) {
    w.md5 = head.etag;
    w.by = "ETag (MD5)";
  }
  std::uint64_t parts = 0;
  const std::uint64_t part_size = stored_part_size(head);
  if (w.by.empty() && part_size && digest::is_multipart_etag(head.etag, &parts) &&
      (head.size + part_size - 1) / part_size == parts) {
    w.multipart_etag = head.etag;
    w.part_size = part_size;
    w.by = "multipart ETag";
  }
  // A SHA-256 verifies every byte; an MD5 beside it would add only its cost.
  if (!w.sha256.empty()) w.md5.clear();
  if (w.by.empty() && etag_check)
    return integrity_error(
        fmt::format("s3://{}/{} has no MD5 or SHA-256 to verify against (multipart ETag {}, no stored sums): "
                    "fetch it through its manifest, or pass --etag-check off to accept it unverified",
                    bucket, key, head.etag));
  return w;
}

Status check_sums(const std::string& bucket, const std::string& key, const Wanted& w, const std::string& md5,
                  const std::string& sha256) {
  if ((!w.sha256.empty() && w.sha256 != sha256) || (!w.md5.empty() && w.md5 != md5))
    return integrity_error(
        fmt::format("s3://{}/{}: downloaded bytes do not match the {} (got md5 {}, sha256 {}): nothing was written",
                    bucket, key, w.by, md5, sha256));
  return ok_status();
}

Status check_multipart_etag(const std::string& bucket, const std::string& key, const Wanted& w, int fd,
                            std::uint64_t size) {
  if (w.multipart_etag.empty()) return ok_status();
  auto got = digest::file_multipart_etag(fd, size, w.part_size);
  if (!got || *got != w.multipart_etag)
    return integrity_error(
        fmt::format("s3://{}/{}: downloaded bytes do not match the multipart ETag {} (got {}): "
                    "nothing was written",
                    bucket, key, w.multipart_etag, got ? *got : "a short file"));
  return ok_status();
}

Result<std::uint64_t> get_hashed(Client& client, const std::string& bucket, const std::string& key, std::uint64_t size,
                                 const std::function<bool(const char*, std::size_t)>& write,
                                 const std::function<void()>& restart, HashedBody& out) {
  digest::Md5Stream md5;
  digest::Sha256Stream sha;
  std::uint64_t written = 0;
  CallStats gst;
  auto got = client.get(
      {bucket, key}, std::nullopt, size,
      [&](const char* d, std::size_t n) {
        if (!write(d, n)) return false;
        if (out.want_md5) md5.update(d, n);
        sha.update(d, n);
        written += n;
        return true;
      },
      [&] {
        written = 0;
        md5 = digest::Md5Stream();
        sha = digest::Sha256Stream();
        restart();
      },
      &gst);
  out.retries += gst.retries;
  if (!got) return got.error();
  if (written != size)
    return integrity_error(fmt::format("s3://{}/{}: got {} bytes, expected {}", bucket, key, written, size));
  if (out.want_md5) out.md5 = digest::hex(md5.finish());
  out.sha256 = digest::hex(sha.finish());
  return written;
}

Result<std::string> get_small_object(Client& client, const std::string& bucket, const std::string& key,
                                     bool etag_check) {
  constexpr std::uint64_t max_size = 64u << 20;
  auto head = client.head({bucket, key});
  if (!head) return head.error();
  if (!head->exists)
    return usage_error(
        fmt::format("s3://{}/{} does not exist: check the key (xship publish prints the URLs it wrote)", bucket, key));
  if (head->size > max_size)
    return integrity_error(fmt::format("s3://{}/{} is {} bytes, more than the {} a manifest may be: check the key",
                                       bucket, key, head->size, max_size));
  auto want = wanted_sums(bucket, key, *head, {}, etag_check);
  if (!want) return want.error();
  std::string body;
  HashedBody out;
  auto got = get_hashed(
      client, bucket, key, head->size,
      [&](const char* d, std::size_t n) { return body.size() + n <= max_size && (body.append(d, n), true); },
      [&] { body.clear(); }, out);
  if (!got) return got.error();
  XSHIP_TRY(check_sums(bucket, key, *want, out.md5, out.sha256));
  return body;
}

}  // namespace xship::s3
