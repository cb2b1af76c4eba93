// Aliases (`publish --alias latest`): a complete release mirrored server-side under another
// prefix, with a short Cache-Control, manifest.json copied last so a reader never finds an
// alias's manifest before the files it names. Objects under the alias the release does not
// have are deleted after the copies.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "publish/object_headers.h"
#include "s3/client.h"
#include "s3/location.h"

namespace xship::publish {

inline constexpr const char* kAliasCacheControl = "max-age=300";  // a moved alias is seen within minutes

// An alias as typed: a relative NAME (the release's sibling: the release's parent prefix +
// NAME) or s3://BUCKET/PREFIX. Checked before anything runs; Usage error naming the fix.
Status check_alias_text(const std::string& text);

// Where the alias of the release at `release` lives (a prefix ending in '/'). Usage error
// when it is the release itself or one holds the other.
Result<S3Location> resolve_alias(const std::string& text, const S3Location& release);

struct AliasOptions {
  int concurrency = 8;
  bool etag_check = true;
  std::uint64_t copy_threshold = 0;  // above it, UploadPartCopy
  std::uint64_t copy_part_size = 0;
  HeaderRules headers;  // publish's: the alias copies get the release's headers and tags
};

struct AliasReport {
  S3Location alias;
  std::size_t copied = 0, unchanged = 0, removed = 0;
};

// Mirrors the release under `release` (whose manifest.json must be there) at `alias`.
Result<AliasReport> move_alias(s3::Client& client, const S3Location& release, const S3Location& alias,
                               const AliasOptions& opts, const std::atomic<bool>* cancel);

}  // namespace xship::publish
