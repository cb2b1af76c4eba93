// S3's listings (ListObjectsV2, ListParts, ListMultipartUploads) page by a continuation
// token or markers that the store hands back. A broken or hostile store can hand back the
// same one forever, or pages that say "more to come" and hold nothing: either loops without
// end. A PageGuard, asked before each next page, turns both into an error naming the
// store's misbehaviour.
#pragma once
#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace xship::s3 {

using Query = std::vector<std::pair<std::string, std::string>>;

class PageGuard {
 public:
  explicit PageGuard(std::string what) : what_(std::move(what)) {}
  // A page held `items` entries and names `next` (its continuation parameters; empty for
  // the last page). Runtime error when `next` was named before or the page made no progress.
  Status check(std::size_t items, const Query& next);

 private:
  std::string what_;
  std::set<std::string> seen_;  // SHA-256 of each `next`: a store's tokens may be long
  std::size_t pages_ = 0;
};

}  // namespace xship::s3
