// Which releases under a prefix `xship prune --keep N` removes. Pure: a listing and the
// manifests' identities in, a decision per folder and the DeleteObjects batches out.
//
// A release is a folder directly under the prefix holding a manifest.json; its date is the
// manifest's LastModified (the manifest is written last, once the release is complete).
// Folders whose manifests have the same bytes are one release and its aliases (server-side
// copies such as latest/): they count once, dated by the oldest, and are never removed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "s3/client.h"

namespace xship::publish {

struct ReleaseFolder {
  std::string prefix;  // "releases/v1/": the listing prefix plus the folder's name and '/'
  std::vector<std::string> keys;  // every object under it
  bool has_manifest = false;
  std::string manifest_modified;  // the manifest's LastModified as listed
  std::string identity;  // SHA-256 of the manifest's verified bytes; "" = unreadable
};

// The listing under `prefix` (ending in '/', or empty for the bucket) grouped by the folder
// directly under it, sorted by prefix. Objects directly under the prefix belong to no folder.
std::vector<ReleaseFolder> group_folders(const std::string& prefix, const std::vector<s3::ListedObject>& objects);

enum class Verdict {
  Keep,  // among the newest N
  Aliased,  // a release an alias points to, or the alias: same manifest bytes
  Remove,  // older than the newest N
  NoManifest,  // not a release: never touched
  Unreadable,  // a manifest that could not be read or dated: left alone
};

struct FolderDecision {
  std::string prefix;
  Verdict verdict = Verdict::NoManifest;
  std::string modified;  // the manifest's LastModified, when there is one
  std::size_t objects = 0;
  std::string same_as;  // Aliased: another folder with the same manifest
};

struct PrunePlan {
  std::vector<FolderDecision> folders;  // newest release first, then the folders left alone
  // Keys to delete, at most kMaxDeleteKeys a batch: the removed releases' manifests first,
  // so no reader finds a manifest whose files are going.
  std::vector<std::vector<std::string>> batches;
  std::size_t keys = 0;
};

// Milliseconds since the epoch of a listing's ISO 8601 UTC time; nullopt when it is not one.
std::optional<std::int64_t> parse_listed_time(const std::string& text);

// `keep` >= 1. Ties in date go to the name that sorts last (v10 over v9 needs dates).
PrunePlan plan_prune(const std::vector<ReleaseFolder>& folders, int keep);

std::vector<std::vector<std::string>> delete_batches(const std::vector<std::string>& keys,
                                                     std::size_t max = s3::kMaxDeleteKeys);

}  // namespace xship::publish
