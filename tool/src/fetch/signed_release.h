// The top of a published release (manifest.json, SHA256SUMS, their signatures and the signed
// provenance), fetched and checked before anything of the release is written.
#pragma once
#include <optional>
#include <string>

#include "core/result.h"
#include "digest/minisign.h"
#include "release/manifest.h"
#include "s3/client.h"
#include "s3/location.h"

namespace xship::fetch {

// The key of `name` beside the object `key` (in the same "directory").
std::string sibling_key(const std::string& key, const std::string& name);

struct ReleaseTop {
  release::ManifestDoc manifest;
  std::optional<std::string> sums;  // SHA256SUMS, fetched and verified when a key was given
  std::optional<std::string> provenance;  // the verified in-toto statement, when a key was given and there is one
};

// Fetches the manifest at `manifest`; with `key`, also SHA256SUMS and both signatures, and
// checks them (publish/signing.h). A missing signature is an Integrity error like a bad one.
Result<ReleaseTop> fetch_release_top(s3::Client& client, const S3Location& manifest, const minisign::PublicKey* key,
                                     bool etag_check);

}  // namespace xship::fetch
