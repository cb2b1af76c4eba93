// Objects whose bytes are already at their key: skipped when their headers are what this
// run would send, else given the new headers by a copy onto themselves (metadata and
// tagging directives REPLACE), which moves no bytes through the client.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "digest/file_parts.h"
#include "publish/uploader.h"
#include "s3/client.h"

namespace xship::publish {

enum class Existing { Upload, Same, HeadersDiffer };

// What the local bytes are known by: the whole file's MD5 (against a plain ETag or the
// md5 metadata), or, for a multipart file hashed only part by part, the multipart ETag
// its parts give ("hex-N", against the store's ETag).
struct LocalBytes {
  std::string md5hex;
  std::string multipart_etag;
  LocalBytes(std::string md5) : md5hex(std::move(md5)) {}  // NOLINT: most callers have an MD5
  static LocalBytes multipart(std::string etag) {
    LocalBytes b{std::string()};
    b.multipart_etag = std::move(etag);
    return b;
  }
};

using digest::is_multipart_etag;

// The decision from what the listing (`listed`, nullptr: no such key) and a HEAD (`head`,
// nullptr: not asked) say. The bytes match when the size does and the ETag or the MD5
// publish stores in the metadata is the file's. Tags are settled by count here; a HEAD
// that shows no count, or the same one, leaves them to same_tags.
Existing compare_existing(const RemoteObject* listed, const s3::ObjectInfo* head, std::uint64_t size,
                          const LocalBytes& local, bool etag_check, const s3::ObjectHeaders& want);

// compare_existing with its HEAD, and GetObjectTagging when tags are wanted and their
// count agrees (values may not).
Result<Existing> check_existing(s3::Client& client, const RemoteObject* listed, const s3::ObjectRef& obj,
                                std::uint64_t size, const LocalBytes& local, bool etag_check,
                                const s3::ObjectHeaders& want, int& retries);

// A store may drop x-amz-tagging on CreateMultipartUpload and CopyObject (Ceph RGW 16
// does): when `seen` (a HEAD after the write) shows another count, or none while tags are
// wanted, PutObjectTagging sets them.
Status ensure_tags(s3::Client& client, const s3::ObjectRef& obj, const std::vector<s3::Tag>& want,
                   const s3::StoredHeaders& seen, int& retries);

struct CopyLimits {
  std::uint64_t threshold = 0;  // above: UploadPartCopy per part
  std::uint64_t part_size = 0;
};

// `source` (of `size` bytes) copied to `target` with `headers`: CopyObject, or a multipart
// copy above the threshold. Not verified: callers HEAD the result.
Status server_copy(s3::Client& client, const s3::ObjectRef& source, const s3::ObjectRef& target, std::uint64_t size,
                   const s3::ObjectHeaders& headers, const CopyLimits& limits, s3::CallStats& st);

// The object at `obj` given `want` in place, verified (size, and the ETag or the stored
// MD5 still the file's) and its tags ensured. Returns the ETag.
Result<std::string> rewrite_headers(s3::Client& client, const s3::ObjectRef& obj, std::uint64_t size,
                                    const std::string& md5hex, const s3::ObjectHeaders& want, const CopyLimits& limits,
                                    bool etag_check, int& retries);

}  // namespace xship::publish
