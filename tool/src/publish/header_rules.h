// --content-type, --cache-control, --storage-class, --acl, --metadata and --tag as typed
// HeaderRules, checked once before anything runs. Every refusal is a Usage error that
// names the flag, the value and the fix. Pure.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "publish/object_headers.h"

namespace xship::publish {

struct HeaderFlags {
  std::vector<std::string> content_types, metadata, tags;  // PATTERN=TYPE, NAME=VALUE, KEY=VALUE
  std::string cache_control, storage_class, acl;
};

// S3's storage classes, as x-amz-storage-class spells them.
const std::vector<std::string>& storage_classes();

Result<HeaderRules> parse_header_rules(const HeaderFlags& flags);

}  // namespace xship::publish
