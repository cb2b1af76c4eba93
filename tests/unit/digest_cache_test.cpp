// The digest cache publish trusts: a hit only for the exact stamp recorded (size, mtime,
// inode), misses after any change, survives corruption, and concurrent writers lose nothing.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "compress/digest_cache.h"
#include "compress_fixtures.h"
#include "digest/digest.h"
#include "publish/plan.h"

using namespace xship;
using namespace xship::compress;
using namespace xship::testing_compress;

namespace {

publish::FileStamp stamp(const std::string& path) {
  auto s = publish::stamp_file(path);
  EXPECT_TRUE(s) << path;
  return s ? *s : publish::FileStamp{};
}

void set_mtime(const std::string& path, std::int64_t sec, long nsec) {
  struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), ts, 0), 0);
}

class DigestCacheTest : public ::testing::Test {
 protected:
  // Records `path` (its current bytes and stamp) and returns the stamp.
  publish::FileStamp record(DigestCache& c, const std::string& path) {
    std::string bytes = get(path);
    auto st = stamp(path);
    EXPECT_TRUE(c.record(path, st, digest::md5(bytes), digest::sha256(bytes)));
    return st;
  }
  Scratch s;
  std::string file = s.path("cache/digests.json");
};

TEST_F(DigestCacheTest, HitForTheRecordedStampFromAnyInstance) {
  put(s.path("a.gz"), "compressed bytes");
  DigestCache c(file);
  auto st = record(c, s.path("a.gz"));
  for (const DigestCache* reader : {&c, new DigestCache(file)}) {
    auto hit = reader->lookup(s.path("a.gz"), st);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->md5, digest::md5("compressed bytes"));
    EXPECT_EQ(hit->sha256, digest::sha256("compressed bytes"));
    EXPECT_EQ(hit->bytes, 16u);
    if (reader != &c) delete reader;
  }
}

// publish's one pass over a big file knows its SHA-256 only: such an entry serves
// lookup_sha256, never lookup (which promises an MD5 too), and a full entry serves both.
TEST_F(DigestCacheTest, ShaOnlyEntriesServeOnlyLookupSha256) {
  put(s.path("big"), "multipart bytes");
  put(s.path("full"), "compressed bytes");
  DigestCache c(file);
  auto big = stamp(s.path("big"));
  ASSERT_TRUE(c.record_sha256(s.path("big"), big, digest::sha256("multipart bytes")));
  auto full = record(c, s.path("full"));
  DigestCache reader(file);
  EXPECT_FALSE(reader.lookup(s.path("big"), big));
  auto sha = reader.lookup_sha256(s.path("big"), big);
  ASSERT_TRUE(sha);
  EXPECT_EQ(*sha, digest::sha256("multipart bytes"));
  EXPECT_EQ(reader.lookup_sha256(s.path("full"), full), digest::sha256("compressed bytes"));
  auto text = nlohmann::json::parse(get(file));
  auto entry = text["files"][std::filesystem::canonical(s.path("big")).string()];
  EXPECT_FALSE(entry.contains("md5")) << entry.dump();
  // Another stamp: no entry of either kind.
  put(s.path("big"), "multipart bytez");
  set_mtime(s.path("big"), 1, 0);
  EXPECT_FALSE(DigestCache(file).lookup_sha256(s.path("big"), stamp(s.path("big"))));
}

TEST_F(DigestCacheTest, MissWhenTheSizeChanges) {
  put(s.path("a"), "one");
  DigestCache c(file);
  auto old = record(c, s.path("a"));
  put(s.path("a"), "one more");
  set_mtime(s.path("a"), old.mtime_ns / 1'000'000'000, old.mtime_ns % 1'000'000'000);  // only the size differs
  auto now = stamp(s.path("a"));
  ASSERT_EQ(now.inode, old.inode);
  ASSERT_EQ(now.mtime_ns, old.mtime_ns);
  EXPECT_FALSE(DigestCache(file).lookup(s.path("a"), now));
  EXPECT_TRUE(DigestCache(file).lookup(s.path("a"), old)) << "the old stamp still names the old entry";
}

TEST_F(DigestCacheTest, MissWhenTheMtimeChanges) {
  put(s.path("a"), "same size");
  set_mtime(s.path("a"), 1'600'000'000, 5);
  DigestCache c(file);
  record(c, s.path("a"));
  set_mtime(s.path("a"), 1'600'000'000, 6);  // one nanosecond later, same bytes
  EXPECT_FALSE(DigestCache(file).lookup(s.path("a"), stamp(s.path("a"))));
}

TEST_F(DigestCacheTest, MissWhenTheFileIsReplacedByAnotherInode) {
  put(s.path("a"), "AAAA");
  set_mtime(s.path("a"), 1'600'000'000, 0);
  DigestCache c(file);
  auto old = record(c, s.path("a"));
  put(s.path("b"), "BBBB");  // same size and, below, same mtime: only the inode tells
  set_mtime(s.path("b"), 1'600'000'000, 0);
  ASSERT_EQ(rename(s.path("b").c_str(), s.path("a").c_str()), 0);
  auto now = stamp(s.path("a"));
  ASSERT_EQ(now.size, old.size);
  ASSERT_EQ(now.mtime_ns, old.mtime_ns);
  ASSERT_NE(now.inode, old.inode);
  EXPECT_FALSE(DigestCache(file).lookup(s.path("a"), now));
}

TEST_F(DigestCacheTest, RelativeAndAbsolutePathsAreOneEntry) {
  put(s.path("a"), "x");
  DigestCache c(file);
  auto st = record(c, s.path("a"));
  std::string cwd = fs::current_path();
  fs::current_path(s.dir);
  bool hit = DigestCache(file).lookup("a", st).has_value();
  bool dotted = DigestCache(file).lookup("./cache/../a", st).has_value();
  fs::current_path(cwd);
  EXPECT_TRUE(hit);
  EXPECT_TRUE(dotted);
}

TEST_F(DigestCacheTest, CorruptOrForeignCacheIsAMissAndRecordRepairsIt) {
  put(s.path("a"), "x");
  auto st = stamp(s.path("a"));
  fs::create_directories(s.path("cache"));
  for (const char* junk : {"{not json", R"({"version": 99, "files": {}})", R"({"version": "1", "files": {}})",
                           R"({"version": 4294967297, "files": {}})", "[]"}) {
    put(file, junk);
    EXPECT_FALSE(DigestCache(file).lookup(s.path("a"), st)) << junk;
  }
  DigestCache c(file);
  record(c, s.path("a"));
  EXPECT_TRUE(DigestCache(file).lookup(s.path("a"), st));
  auto doc = nlohmann::json::parse(get(file));
  EXPECT_EQ(doc["version"], 1);
}

// Entries of the right shape but the wrong types (a hand-edited or foreign file) are
// misses, never a crash, and the next record() replaces them.
TEST_F(DigestCacheTest, EntriesOfTheWrongTypesAreMisses) {
  put(s.path("a"), "x");
  auto st = stamp(s.path("a"));
  const std::string key = fs::canonical(s.path("a")).string();
  const nlohmann::json good = {{"size", st.size},
                               {"mtime_ns", st.mtime_ns},
                               {"inode", st.inode},
                               {"md5", digest::hex(digest::md5("x"))},
                               {"sha256", digest::hex(digest::sha256("x"))}};
  fs::create_directories(s.path("cache"));
  auto with = [&](const nlohmann::json& entry) {
    put(file, nlohmann::json{{"version", 1}, {"files", {{key, entry}}}}.dump());
  };
  with(good);
  ASSERT_TRUE(DigestCache(file).lookup(s.path("a"), st));  // the shape is right
  std::vector<nlohmann::json> bad(7, good);
  bad[6]["mtime_ns"] = std::uint64_t{1} << 63 | static_cast<std::uint64_t>(st.mtime_ns);  // not an int64
  bad[0]["size"] = std::to_string(st.size);
  bad[1]["inode"] = std::to_string(st.inode);
  bad[2]["mtime_ns"] = nullptr;
  bad[3]["md5"] = 5;
  bad[4] = "entry";
  bad[5] = nlohmann::json::array({good});
  for (const auto& entry : bad) {
    with(entry);
    DigestCache c(file);
    EXPECT_FALSE(c.lookup(s.path("a"), st)) << entry;
    EXPECT_EQ(c.lookup_sha256(s.path("a"), st).has_value(), &entry == &bad[3]) << entry;  // its SHA-256 is fine
    EXPECT_FALSE(c.artifact(s.path("a"), st)) << entry;
    record(c, s.path("a"));
    EXPECT_TRUE(DigestCache(file).lookup(s.path("a"), st)) << entry;
  }
}

TEST_F(DigestCacheTest, EntriesOfChangedOrDeletedFilesAreDroppedAtTheNextRecord) {
  put(s.path("gone"), "1");
  put(s.path("changed"), "2");
  put(s.path("kept"), "3");
  DigestCache c(file);
  for (const char* n : {"gone", "changed", "kept"}) record(c, s.path(n));
  fs::remove(s.path("gone"));
  put(s.path("changed"), "22");
  put(s.path("new"), "4");
  record(c, s.path("new"));
  auto files = nlohmann::json::parse(get(file))["files"];
  std::vector<std::string> keys;
  for (auto it = files.begin(); it != files.end(); ++it) keys.push_back(fs::path(it.key()).filename().string());
  EXPECT_EQ(keys, (std::vector<std::string>{"kept", "new"}));
}

TEST_F(DigestCacheTest, ConcurrentProcessesLoseNoEntry) {
  constexpr int kProcs = 6, kEach = 15;
  for (int p = 0; p < kProcs; ++p)
    for (int i = 0; i < kEach; ++i)
      put(s.path("f" + std::to_string(p) + "_" + std::to_string(i)), std::to_string(p * 100 + i));
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      DigestCache c(file);  // each process its own instance, as separate xship runs
      for (int i = 0; i < kEach; ++i) {
        std::string path = s.path("f" + std::to_string(p) + "_" + std::to_string(i));
        std::string bytes = get(path);
        auto st = publish::stamp_file(path);
        if (!st || !c.record(path, *st, digest::md5(bytes), digest::sha256(bytes))) _exit(1);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int status = 0;
    waitpid(k, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  DigestCache reader(file);
  for (int p = 0; p < kProcs; ++p)
    for (int i = 0; i < kEach; ++i) {
      std::string path = s.path("f" + std::to_string(p) + "_" + std::to_string(i));
      auto hit = reader.lookup(path, stamp(path));
      ASSERT_TRUE(hit) << path;
      EXPECT_EQ(hit->sha256, digest::sha256(get(path)));
    }
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(s.path("cache"))) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"digests.json", "digests.json.lock"})) << "no temporary file left";
}

TEST(DigestCachePath, EnvironmentOverridesTheDefault) {
  EXPECT_EQ(default_digest_cache_path(map_env({})), ".xship/digests.json");
  EXPECT_EQ(default_digest_cache_path(map_env({{"XSHIP_DIGEST_CACHE", ""}})), ".xship/digests.json");
  EXPECT_EQ(default_digest_cache_path(map_env({{"XSHIP_DIGEST_CACHE", "/tmp/elsewhere.json"}})), "/tmp/elsewhere.json");
}

}  // namespace
