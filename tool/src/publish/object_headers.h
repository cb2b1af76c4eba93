// The headers each published object gets, decided from its name and the run's flags:
// Content-Type by a built-in table (--content-type overrides first), Content-Disposition:
// attachment for what people download (archives, programs; not the manifest, sums or
// pages), and the run-wide Cache-Control, storage class, ACL, metadata and tags. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "s3/object_headers.h"

namespace xship::publish {

// What --content-type, --cache-control, --storage-class, --acl, --metadata and --tag
// asked for, validated (header_rules.cpp parses them).
struct HeaderRules {
  std::vector<std::pair<std::string, std::string>> content_types;  // glob on the file name, type; first match wins
  std::string cache_control, storage_class, acl;
  std::vector<sigv4::Header> metadata;  // lower-case names without x-amz-meta-
  std::vector<s3::Tag> tags;
};

// The built-in table, by the file name's extension (.tar.gz before .gz).
std::string default_content_type(std::string_view file_name);
std::string content_type_for(const HeaderRules& rules, std::string_view file_name);

// Whether a type is something a browser should save rather than show: not text/*, not JSON.
bool is_download(std::string_view content_type);

// RFC 6266 `attachment; filename="..."`: an ASCII fallback (quotes and backslashes
// escaped, other bytes as '_') plus `filename*=UTF-8''...` when the name is not plain
// ASCII. A control character is a Usage error naming the file.
Result<std::string> attachment_disposition(std::string_view file_name);

// The whole-file sums publish stores as x-amz-meta-md5 and x-amz-meta-sha256, when they
// are known before the object is written. A multipart file xship has not hashed before
// has none: its upload starts at once, without a whole-file pass, so it carries neither.
struct WholeSums {
  std::string md5hex, sha256hex;
};

// Everything an object at `relative` (a path under the prefix) is stored with, including
// `sums` as metadata when there are any, else a multipart object's `part_size` (not 0):
// with it, fetch can check the bytes against the multipart ETag.
Result<s3::ObjectHeaders> object_headers(const HeaderRules& rules, std::string_view relative,
                                         const std::optional<WholeSums>& sums, std::uint64_t part_size = 0);

}  // namespace xship::publish
