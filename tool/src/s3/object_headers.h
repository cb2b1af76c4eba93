// What an object carries besides its bytes (type, caching, disposition, storage class,
// ACL, user metadata, tags), as S3 takes them on a PUT, a CreateMultipartUpload or a
// CopyObject with REPLACE, and as a HEAD reports them back. Pure: no I/O.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "s3/sigv4.h"

namespace xship::s3 {

struct Tag {
  std::string key, value;
  bool operator==(const Tag&) const = default;
};

struct ObjectHeaders {
  std::string content_type, cache_control, content_disposition;
  std::string storage_class;  // empty: the bucket's default, never compared
  std::string acl;  // canned ACL; empty: none sent (the bucket's default)
  std::vector<sigv4::Header> metadata;  // name (lower case) without x-amz-meta-
  std::vector<Tag> tags;
};

// What a HEAD (or GET) reports of those headers.
struct StoredHeaders {
  std::string content_type, cache_control, content_disposition;
  std::string storage_class;  // "" when the store did not say (AWS: STANDARD)
  std::optional<int> tag_count;  // x-amz-tagging-count; absent: no tags, or not told
};

// The headers a write sends for `h`, tags as x-amz-tagging (URL-encoded k=v&k=v).
void add_object_headers(std::vector<sigv4::Header>& out, const ObjectHeaders& h);
std::string tagging_header(const std::vector<Tag>& tags);
// The body of PutObjectTagging.
std::string tagging_xml(const std::vector<Tag>& tags);

// The names of the headers that differ between what is stored and what is wanted
// ("Content-Type", "x-amz-meta-*", ...), in a fixed order; empty when they agree. Tags are
// compared by count here (HEAD shows no more); same_tags settles them.
std::vector<std::string> header_differences(const StoredHeaders& have,
                                            const std::map<std::string, std::string>& have_meta,
                                            const ObjectHeaders& want);
// Tag sets are sets: order does not matter.
bool same_tags(std::vector<Tag> have, std::vector<Tag> want);

}  // namespace xship::s3
