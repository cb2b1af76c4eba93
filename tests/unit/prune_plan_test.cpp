// xship prune's planning (publish/prune_plan.h), without a store: which folders are
// releases, which N are newest, what an alias protects, and how the keys are batched.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "publish/prune_plan.h"

using namespace xship;
using namespace xship::publish;

namespace {

// A release folder with a manifest written at `modified` and `files` other objects.
ReleaseFolder release(const std::string& prefix, const std::string& modified, std::string identity, int files = 2) {
  ReleaseFolder f;
  f.prefix = prefix;
  for (int i = 0; i < files; ++i) f.keys.push_back(prefix + "file" + std::to_string(i));
  f.keys.push_back(prefix + "manifest.json");
  f.has_manifest = true;
  f.manifest_modified = modified;
  f.identity = std::move(identity);
  return f;
}

Verdict verdict_of(const PrunePlan& p, const std::string& prefix) {
  for (const auto& d : p.folders)
    if (d.prefix == prefix) return d.verdict;
  ADD_FAILURE() << "no decision for " << prefix;
  return Verdict::NoManifest;
}

std::vector<std::string> all_keys(const PrunePlan& p) {
  std::vector<std::string> keys;
  for (const auto& b : p.batches) keys.insert(keys.end(), b.begin(), b.end());
  return keys;
}

}  // namespace

TEST(PrunePlan, GroupsTheListingByTheFolderUnderThePrefix) {
  std::vector<s3::ListedObject> listed = {
      {"rel/v1/a", 1, "e", ""},
      {"rel/v1/manifest.json", 1, "e", "2026-01-01T00:00:00.000Z"},
      {"rel/v1/sub/manifest.json", 1, "e", "2026-01-02T00:00:00.000Z"},  // deeper: not v1's manifest
      {"rel/notes.txt", 1, "e", ""},  // directly under the prefix
      {"rel/v2/b", 1, "e", ""},
      {"other/x", 1, "e", ""},
  };
  auto folders = group_folders("rel/", listed);
  ASSERT_EQ(folders.size(), 2u);
  EXPECT_EQ(folders[0].prefix, "rel/v1/");
  EXPECT_EQ(folders[0].keys.size(), 3u);
  EXPECT_TRUE(folders[0].has_manifest);
  EXPECT_EQ(folders[0].manifest_modified, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(folders[1].prefix, "rel/v2/");
  EXPECT_FALSE(folders[1].has_manifest);
}

TEST(PrunePlan, KeepsTheNewestNByTheManifestsDate) {
  std::vector<ReleaseFolder> folders = {
      release("r/a/", "2026-03-01T00:00:00.000Z", "A"), release("r/b/", "2026-01-01T00:00:00.000Z", "B"),
      release("r/c/", "2026-04-01T00:00:00.000Z", "C"), release("r/d/", "2026-02-01T00:00:00.000Z", "D")};
  auto p = plan_prune(folders, 2);
  EXPECT_EQ(verdict_of(p, "r/c/"), Verdict::Keep);
  EXPECT_EQ(verdict_of(p, "r/a/"), Verdict::Keep);
  EXPECT_EQ(verdict_of(p, "r/d/"), Verdict::Remove);
  EXPECT_EQ(verdict_of(p, "r/b/"), Verdict::Remove);
  EXPECT_EQ(p.folders[0].prefix, "r/c/");  // newest first
  EXPECT_EQ(p.keys, 6u);
  auto keys = all_keys(p);
  EXPECT_EQ(keys.size(), 6u);
  // The manifests go first: no reader finds a manifest naming deleted files.
  EXPECT_EQ(keys[0].substr(keys[0].size() - 13), "manifest.json");
  EXPECT_EQ(keys[1].substr(keys[1].size() - 13), "manifest.json");
  EXPECT_EQ(p.batches.size(), 2u);  // manifests, then the rest
  EXPECT_EQ(plan_prune(folders, 4).keys, 0u);
  EXPECT_EQ(plan_prune(folders, 10).keys, 0u);
}

TEST(PrunePlan, MillisecondsDecideAndTiesGoToTheLaterName) {
  std::vector<ReleaseFolder> folders = {
      release("r/x/", "2026-01-01T00:00:00.900Z", "X"), release("r/y/", "2026-01-01T00:00:00.100Z", "Y"),
      release("r/t1/", "2026-01-01T00:00:00.500Z", "T1"), release("r/t2/", "2026-01-01T00:00:00.500Z", "T2")};
  auto p = plan_prune(folders, 2);
  EXPECT_EQ(verdict_of(p, "r/x/"), Verdict::Keep);
  EXPECT_EQ(verdict_of(p, "r/t2/"), Verdict::Keep);
  EXPECT_EQ(verdict_of(p, "r/t1/"), Verdict::Remove);
  EXPECT_EQ(verdict_of(p, "r/y/"), Verdict::Remove);
}

TEST(PrunePlan, FoldersWithoutAReadableManifestAreNeverTouched) {
  ReleaseFolder bare;
  bare.prefix = "r/uploads/";
  bare.keys = {"r/uploads/x"};
  auto unreadable = release("r/broken/", "2026-01-01T00:00:00Z", "");
  auto undated = release("r/undated/", "yesterday", "U");
  std::vector<ReleaseFolder> folders = {bare, unreadable, undated, release("r/old/", "2025-01-01T00:00:00Z", "O"),
                                        release("r/new/", "2026-06-01T00:00:00Z", "N")};
  auto p = plan_prune(folders, 1);
  EXPECT_EQ(verdict_of(p, "r/uploads/"), Verdict::NoManifest);
  EXPECT_EQ(verdict_of(p, "r/broken/"), Verdict::Unreadable);
  EXPECT_EQ(verdict_of(p, "r/undated/"), Verdict::Unreadable);
  EXPECT_EQ(verdict_of(p, "r/old/"), Verdict::Remove);
  for (const auto& k : all_keys(p)) EXPECT_TRUE(k.starts_with("r/old/")) << k;
}

TEST(PrunePlan, AnAliasAndItsTargetAreKeptAndCountOnce) {
  // stable/ is a copy of v1 (the oldest); latest/ a copy of v4, made later.
  std::vector<ReleaseFolder> folders = {
      release("r/v1/", "2026-01-01T00:00:00Z", "M1"),     release("r/v2/", "2026-01-02T00:00:00Z", "M2"),
      release("r/v3/", "2026-01-03T00:00:00Z", "M3"),     release("r/v4/", "2026-01-04T00:00:00Z", "M4"),
      release("r/stable/", "2026-01-05T00:00:00Z", "M1"), release("r/latest/", "2026-01-05T00:00:01Z", "M4")};
  auto p = plan_prune(folders, 2);
  EXPECT_EQ(verdict_of(p, "r/v4/"), Verdict::Aliased);
  EXPECT_EQ(verdict_of(p, "r/latest/"), Verdict::Aliased);
  EXPECT_EQ(verdict_of(p, "r/v3/"), Verdict::Keep);  // v4 and its alias are one release: the second is v3
  EXPECT_EQ(verdict_of(p, "r/v2/"), Verdict::Remove);
  EXPECT_EQ(verdict_of(p, "r/v1/"), Verdict::Aliased);  // old, but stable/ points to it
  EXPECT_EQ(verdict_of(p, "r/stable/"), Verdict::Aliased);
  for (const auto& d : p.folders)
    if (d.prefix == "r/stable/") EXPECT_EQ(d.same_as, "r/v1/");
  for (const auto& k : all_keys(p)) EXPECT_TRUE(k.starts_with("r/v2/")) << k;
}

TEST(PrunePlan, BatchesHoldAtMostAThousandKeys) {
  std::vector<std::string> keys(2001);
  for (std::size_t i = 0; i < keys.size(); ++i) keys[i] = "k" + std::to_string(i);
  auto b = delete_batches(keys);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].size(), 1000u);
  EXPECT_EQ(b[1].size(), 1000u);
  EXPECT_EQ(b[2].size(), 1u);
  EXPECT_EQ(b[2][0], "k2000");
  EXPECT_TRUE(delete_batches({}).empty());
  EXPECT_EQ(delete_batches(std::vector<std::string>(1000, "k")).size(), 1u);

  std::vector<ReleaseFolder> folders = {release("r/big/", "2025-01-01T00:00:00Z", "B", 1001),
                                        release("r/new/", "2026-01-01T00:00:00Z", "N")};
  auto p = plan_prune(folders, 1);
  EXPECT_EQ(p.keys, 1002u);
  ASSERT_EQ(p.batches.size(), 3u);  // the manifest alone, then 1000 + 1
  EXPECT_EQ(p.batches[0], std::vector<std::string>{"r/big/manifest.json"});
  EXPECT_EQ(p.batches[1].size(), 1000u);
}

TEST(PrunePlan, ListedTimesParse) {
  EXPECT_EQ(parse_listed_time("1970-01-01T00:00:01.250Z"), 1250);
  EXPECT_EQ(parse_listed_time("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(parse_listed_time("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(parse_listed_time(""));
  EXPECT_FALSE(parse_listed_time("1970-01-01 00:00:01Z"));
  EXPECT_EQ(parse_listed_time("1970-01-01T02:00:01.250+02:00"), 1250);
}
