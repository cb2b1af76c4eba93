// A build and manifest entries as publish records them, for the manifest and release tests.
#pragma once
#include <string>

#include "digest/digest.h"
#include "release/manifest.h"

namespace xship::test {

inline BuildInfo info() {
  BuildInfo b;
  b.repo = "acme/widget";
  b.branch = "main";
  b.commit = "0123456789abcdef0123456789abcdef01234567";
  b.tag = "v1.2.3";
  b.version = "1.2.3";
  b.date = "2024-02-29";
  b.ci = "github";
  return b;
}

inline release::ManifestEntry entry(const std::string& name, const std::string& content, const std::string& os = "",
                                    const std::string& arch = "") {
  release::ManifestEntry e;
  e.name = name;
  e.key = "artifacts/acme/widget/main/" + name;
  e.size = content.size();
  e.md5 = digest::hex(digest::md5(content));
  e.sha256 = digest::sha256_hex(content);
  e.etag = e.md5;
  e.url = "https://s3.example.com/bucket/" + e.key;
  e.os = os;
  e.arch = arch;
  return e;
}

}  // namespace xship::test
