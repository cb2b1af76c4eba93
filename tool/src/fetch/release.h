// `xship fetch --manifest URL --target OS/ARCH --extract DIR`: one target's release out of
// a published manifest, verified, and unpacked into DIR as a user would run it — the
// archive's tree, or a program alone under its own name (decompressed). The manifest says
// what each archive must hold (names, types, sizes, links), and extraction holds it to that.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "cross/targets.h"
#include "fetch/fetch.h"
#include "release/manifest.h"
#include "s3/client.h"

namespace xship::fetch {

// The entries published for target `t`: its archives and programs. A Usage error naming the
// targets the release has when there are none.
Result<std::vector<release::ManifestEntry>> entries_for_target(const std::vector<release::ManifestEntry>& all,
                                                               cross::Target t);

struct Unpacked {
  std::vector<std::string> files;  // written below the directory, relative
  std::uint64_t bytes = 0;
};

// Downloads each entry (verified against the manifest as fetch_object does) into a
// temporary directory inside `dir`, then unpacks it into `dir`. Entries without artifact
// details (published without `xship build`) are copied in under their manifest name.
Result<Unpacked> fetch_and_extract(s3::Client& client, const std::string& bucket,
                                   const std::vector<release::ManifestEntry>& entries, const std::string& dir,
                                   const FetchOptions& opts);

}  // namespace xship::fetch
