// Signed releases: the documents written at a release's top level, in the order they go
// up, and the checks a downloader makes before trusting them. Pure.
//
//   SHA256SUMS              the sums of every file
//   SHA256SUMS.minisig      its minisign signature (with a key): `minisign -Vm SHA256SUMS`
//   provenance.intoto.json  with a key: who built what, from which commit (provenance.h)
//   manifest.json.minisig   the manifest's signature
//   manifest.json           last: a consumer that finds it finds everything it vouches for
//
// manifest.json names the SHA-256 of its SHA256SUMS, so a signed list and a signed
// manifest of two releases cannot be mixed.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "digest/minisign.h"
#include "release/manifest.h"
#include "release/provenance.h"

namespace xship::release {

inline constexpr const char* kSumsName = "SHA256SUMS";
inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kSignatureSuffix = ".minisig";

// True for the names a release's top-level documents take (with or without signatures,
// and the provenance): a file of the user's under one of them would be overwritten.
bool is_release_document_name(std::string_view relative);

struct ReleaseDocument {
  std::string name;  // relative to the release prefix
  std::string bytes;
};

// The trusted comment signed with `file`: its name and the build's repo, commit and
// version, one printable line (minisign -V prints it). Deterministic, so an unchanged
// release signs to the same bytes and a second publish skips them.
std::string trusted_comment(std::string_view file, const BuildInfo& info);

// SHA256SUMS and manifest.json, with their signatures between them when `key` is set, and
// with `facts` too the signed provenance (publish/provenance.h) after SHA256SUMS.minisig.
Result<std::vector<ReleaseDocument>> release_documents(const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                                                       const minisign::SecretKey* key,
                                                       const ProvenanceFacts* facts = nullptr);

// What a downloader fetched from a release's top level.
struct FetchedRelease {
  std::string manifest, manifest_signature;
  std::string sums, sums_signature;
};

// Before anything is written: both signatures are by `key` and unchanged, the manifest
// belongs to this SHA256SUMS, and SHA256SUMS lists exactly the manifest's files and sums.
// Integrity errors name the file that failed. Returns the manifest.
Result<ManifestDoc> verify_release(const minisign::PublicKey& key, const FetchedRelease& release);

}  // namespace xship::release
