// `xship publish --merge-manifests`: the I/O edge around release::merge_job_manifests (release/manifest.h).
// Reads every PREFIX/manifests/*.json by verified download, merges them, checks that each
// object they list is still there as recorded (HEAD), and only then writes SHA256SUMS (and its signature) and
// manifest.json last, by the same verified single PUT the publish engine uses, then the
// release page.
#pragma once
#include <atomic>
#include <string>

#include "core/result.h"
#include "digest/minisign.h"
#include "publish/links.h"
#include "publish/object_headers.h"
#include "release/manifest.h"
#include "release/provenance.h"
#include "s3/client.h"
#include "s3/location.h"

namespace xship::publish {

struct MergeOptions {
  std::string commit;  // merge only this commit's job manifests; "" = all, which must agree
  bool etag_check = true;
  bool force = false;  // PUT SHA256SUMS and manifest.json even when identical ones are there
  int concurrency = 8;
  const minisign::SecretKey* sign_key = nullptr;  // signs SHA256SUMS and manifest.json; caller-owned
  const release::ProvenanceFacts* provenance = nullptr;  // with sign_key: write provenance.intoto.json
  HeaderRules headers;  // what SHA256SUMS and manifest.json are stored with, as in a publish
  Links links;  // the manifest's and the page's links (--url-base, --presign)
  bool write_page = true;  // index.html and index.md after manifest.json (--no-page: none)
};

struct MergeReport {
  release::MergedManifest merged;  // the files carry the ETags the store reports now
  std::string manifest_url;
  std::string page_url;  // "" with --no-page or when a file takes the page's name
  bool written = false;  // false: the same SHA256SUMS and manifest.json were there already
};

Result<MergeReport> merge_manifests(s3::Client& client, const S3Location& dest, const MergeOptions& opts,
                                    const std::atomic<bool>* cancel);

}  // namespace xship::publish
