// The release page's two objects (index.html, index.md) for a publish and for a matrix
// merge alike: what release/page.h renders, with each link relative to the page or, with
// --presign, a presigned URL.
#pragma once
#include <string>
#include <vector>

#include "publish/links.h"
#include "release/manifest.h"
#include "release/signing.h"
#include "s3/location.h"

namespace xship::publish {

struct PageRelease {
  const std::vector<release::ManifestEntry>& entries;
  const BuildInfo& info;
  const std::vector<release::ReleaseDocument>& documents;  // SHA256SUMS, signatures, manifest.json
  std::string key_id;  // the minisign key ID of a signed release, else ""
};

// index.html and index.md, named relative to the release prefix; none (and a note on
// stderr) when a published file already takes one of those names.
std::vector<release::ReleaseDocument> release_page(const Links& links, const S3Location& dest,
                                                   const PageRelease& release);

// The link to print for the page: presigned with --presign, else its download URL.
std::string page_link(const Links& links, const S3Location& dest);

}  // namespace xship::publish
