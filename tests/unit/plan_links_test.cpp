// The planner and odd trees: symlinks keyed by their own names (never resolved), loops and
// dangling links refused, names that cannot be listed or would leave the prefix refused,
// and files whose size stat gets wrong refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "publish/plan.h"
#include "s3/location.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::publish;
namespace fs = std::filesystem;

namespace {
std::vector<std::string> relatives(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& f : p.files) out.push_back(f.relative);
  return out;
}
Result<Plan> plan_dir(const std::string& dir, Symlinks links = Symlinks::Follow) {
  return plan_publish({dir}, {false, ".", links});
}
// The message of a plan of DIR that must fail, as a Usage error.
std::string refusal(const std::string& dir) {
  auto r = plan_dir(dir);
  if (r.ok()) return "(it was planned)";
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  return r.error().message;
}
}  // namespace

TEST(PlanLinks, LinksKeyedByTheirOwnNameWithTheirTargetsBytes) {
  ScratchDir t("links");
  t.write("build/hello", "program");
  t.write("build/lib/libbar.so", "bar");
  t.write("dist/libfoo.so.1", "foo");
  t.write("outside.txt", "secret");
  fs::create_symlink("../build/hello", t / "dist/hello");
  fs::create_symlink("libfoo.so.1", t / "dist/libfoo.so");
  fs::create_symlink(t / "outside.txt", t / "dist/abs");
  fs::create_directory_symlink("../build/lib", t / "dist/lib");
  auto r = plan_dir(t / "dist");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(relatives(*r), (std::vector<std::string>{"abs", "hello", "lib/libbar.so", "libfoo.so", "libfoo.so.1"}));
  for (const auto& f : r->files) {
    EXPECT_TRUE(is_clean_relative(f.relative)) << f.relative;
    EXPECT_EQ(f.path, t / ("dist/" + f.relative));  // the link's own path, not its target's
  }
  EXPECT_EQ(r->files[1].stamp.size, 7u);  // hello: the target's size
  EXPECT_TRUE(r->skipped_links.empty());
}

TEST(PlanLinks, NoFollowSkipsEveryLink) {
  ScratchDir t("links");
  t.write("dist/real.txt", "r");
  t.write("elsewhere/x", "x");
  fs::create_symlink("real.txt", t / "dist/alias.txt");
  fs::create_directory_symlink("../elsewhere", t / "dist/dir");
  fs::create_symlink("nowhere", t / "dist/dangling");
  fs::create_symlink(".", t / "dist/loop");
  auto r = plan_dir(t / "dist", Symlinks::Skip);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(relatives(*r), (std::vector<std::string>{"real.txt"}));
  EXPECT_EQ(r->skipped_links.size(), 4u);
}

TEST(PlanLinks, LoopsAndDanglingLinksAreUsageErrorsNamingTheLink) {
  struct Case {
    const char* link;
    const char* target;
    std::string said;
  };
  const Case cases[] = {
      {"dist/loop", ".", "is a symlink loop: it leads back to"},
      {"dist/sub/up", "../..", "is a symlink loop: it leads back to"},  // above the root: dist/sub/up/dist loops
      {"dist/a", "a", "is a symlink loop (to 'a'"},  // ELOOP
      {"dist/dangling", "gone.txt", "is a dangling symlink (to 'gone.txt'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.link);
    ScratchDir t("links");
    t.write("dist/sub/f", "f");
    fs::create_symlink(c.target, t / c.link);
    std::string m = refusal(t / "dist");
    EXPECT_NE(m.find("'" + t / c.link), std::string::npos) << m;
    EXPECT_NE(m.find(c.said), std::string::npos) << m;
  }
}

TEST(PlanLinks, SiblingDirectoryLinkedTwiceIsPublishedTwice) {
  ScratchDir t("links");
  t.write("dist/a/f", "f");
  fs::create_directory_symlink("a", t / "dist/b");
  auto r = plan_dir(t / "dist");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(relatives(*r), (std::vector<std::string>{"a/f", "b/f"}));
}

TEST(PlanNames, ControlCharactersInNamesAreRefused) {
  for (const std::string name : {"two\nlines.txt", "tab\there", "esc\x1b[31m", "cr\r"}) {
    ScratchDir t("names");
    t.write("dist/ok.txt", "ok");
    t.write(("dist/" + name), "x");
    std::string m = refusal(t / "dist");
    EXPECT_NE(m.find("control characters"), std::string::npos) << m;
  }
}

TEST(PlanFilesRead, ProcFilesAreRefused) {
  // /proc/version says 0 bytes and reads more; /proc/self/stat the same.
  for (const char* p : {"/proc/version", "/proc/self/stat"}) {
    auto r = plan_publish({p}, {});
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find("its size says"), std::string::npos) << r.error().message;
  }
}

TEST(PlanFilesRead, FifoNamedOrInADirectoryNeverBlocks) {
  ScratchDir t("fifo");
  t.write("dist/f", "f");
  ASSERT_EQ(mkfifo((t / "dist/pipe").c_str(), 0644), 0);
  auto r = plan_dir(t / "dist");  // a FIFO in a directory is not a file to publish
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(relatives(*r), (std::vector<std::string>{"f"}));
  auto named = plan_publish({t / "dist/pipe"}, {});
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().category, ErrorCategory::Usage);
}

TEST(CleanRelative, WhatStaysBelowThePrefix) {
  for (const char* good : {"a", "a/b", "a.b/..c/...", "dir/file.tar.gz", "caf\xc3\xa9", ".hidden", "a\\b"})
    EXPECT_TRUE(is_clean_relative(good)) << good;
  for (const char* bad : {"", "/a", "a/", "a//b", ".", "..", "./a", "a/./b", "a/..", "../x", "a\nb", "a\x7f"})
    EXPECT_FALSE(is_clean_relative(bad)) << bad;
  EXPECT_FALSE(is_clean_relative(std::string("a\0b", 3)));
}

TEST(S3Url, DotSegmentsInPrefixesAreRefused) {
  for (const char* url : {"s3://bkt/../x", "s3://bkt/a/./b", "s3://bkt/a/..", "s3://bkt/."}) {
    auto r = parse_s3_url(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find("segment"), std::string::npos) << r.error().message;
  }
  for (const char* url : {"s3://bkt/a..b/c", "s3://bkt/...", "s3://bkt/a/.b/", "s3://bkt/a//b"})
    EXPECT_TRUE(parse_s3_url(url).ok()) << url;
}
