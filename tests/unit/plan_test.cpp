// The plan: os/arch from the seed's NAME.OS.ARCH naming, which files under which keys,
// and file stamps that notice a rewrite.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "publish/plan.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::publish;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::vector<std::string> relatives(const std::vector<PlannedFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.relative);
  return out;
}

using OsArch = std::pair<std::string, std::string>;

}  // namespace

// ---- os_arch_from_name ---------------------------------------------------------------------

TEST(PlanOsArch, Table) {
  struct Case {
    const char* name;
    OsArch expected;
  };
  const Case cases[] = {
      {"hello.linux.arm64", {"linux", "arm64"}},
      {"hello.linux.amd64", {"linux", "amd64"}},
      {"hello.darwin.arm64", {"darwin", "arm64"}},
      {"hello.freebsd.386", {"freebsd", "386"}},
      {"hello.linux.riscv64", {"linux", "riscv64"}},
      {"hello.linux.ppc64le", {"linux", "ppc64le"}},
      {"hello.linux.s390x", {"linux", "s390x"}},
      {"hello.linux.arm", {"linux", "arm"}},
      {"hello.windows.amd64.exe", {"windows", "amd64"}},
      {"hello.linux.arm64.gz", {"linux", "arm64"}},
      {"hello.linux.arm64.zst", {"linux", "arm64"}},
      {"hello.windows.amd64.exe.gz", {"windows", "amd64"}},
      {"hello.windows.amd64.exe.zst", {"windows", "amd64"}},
      // Dots in the name part are fine: the last two components decide.
      {"hello-1.2.3.linux.arm64", {"linux", "arm64"}},
      {"my.tool.darwin.amd64.gz", {"darwin", "amd64"}},
      // Unknown os or arch, or either missing: nothing.
      {"hello.plan9.amd64", {"", ""}},
      {"hello.linux.mips", {"", ""}},
      {"hello.Linux.ARM64", {"", ""}},
      {"hello.arm64.linux", {"", ""}},
      {"hello.linux.arm64.tar", {"", ""}},
      {"hello.linux.arm64.tar.gz", {"", ""}},
      {"hello.linux.arm64.bz2", {"", ""}},
      // Fewer dots.
      {"hello", {"", ""}},
      {"hello.exe", {"", ""}},
      {"hello.gz", {"", ""}},
      {"hello.arm64", {"", ""}},
      {"linux.arm64", {"", ""}},
      {"linux.arm64.gz", {"", ""}},
      {"arm64", {"", ""}},
      {"", {"", ""}},
      {".", {"", ""}},
      {"..", {"", ""}},
      {".gz", {"", ""}},
      {".linux", {"", ""}},
      {"hello.linux.", {"", ""}},
      {"hello..arm64", {"", ""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string("'") + c.name + "'");
    EXPECT_EQ(os_arch_from_name(c.name), c.expected);
  }
}

// ---- plan_files --------------------------------------------------------------------------------

TEST(PlanFiles, FilesKeyedByBaseName) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  write(t / "out/bin/hello.linux.arm64", "arm64");
  write(t / "out/pkg/hello.windows.amd64.exe", "exe!");
  auto r = plan_files({t / "out/pkg/hello.windows.amd64.exe", t / "out/bin/hello.linux.arm64"}, false, t.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  // In the order given.
  EXPECT_EQ((*r)[0].relative, "hello.windows.amd64.exe");
  EXPECT_EQ((*r)[0].path, t / "out/pkg/hello.windows.amd64.exe");
  EXPECT_EQ((*r)[0].os, "windows");
  EXPECT_EQ((*r)[0].arch, "amd64");
  EXPECT_EQ((*r)[0].stamp.size, 4u);
  EXPECT_EQ((*r)[1].relative, "hello.linux.arm64");
  EXPECT_EQ((*r)[1].os, "linux");
  EXPECT_EQ((*r)[1].arch, "arm64");
  EXPECT_EQ((*r)[1].stamp.size, 5u);
}

TEST(PlanFiles, DirectoriesKeyedRelativeAndSorted) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  // Created out of order.
  write(t / "dist/zeta.txt", "z");
  write(t / "dist/sub/deeper/hello.linux.amd64.gz", "gz");
  write(t / "dist/alpha.bin", "a");
  write(t / "dist/sub/b.txt", "b");
  write(t / "dist/Upper.txt", "U");
  fs::create_directories(t.path() / "dist/empty-subdir");
  for (const std::string& dir : {t / "dist", t / "dist/"}) {
    SCOPED_TRACE(dir);
    auto r = plan_files({dir}, false, t.path());
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(relatives(*r), (std::vector<std::string>{"Upper.txt", "alpha.bin", "sub/b.txt",
                                                       "sub/deeper/hello.linux.amd64.gz", "zeta.txt"}));
    for (const auto& f : *r) {
      EXPECT_TRUE(fs::equivalent(f.path, t.path() / "dist" / f.relative)) << f.path;
      EXPECT_EQ(f.stamp.size, fs::file_size(f.path));
    }
    EXPECT_EQ((*r)[3].os, "linux");
    EXPECT_EQ((*r)[3].arch, "amd64");
    EXPECT_EQ((*r)[0].os, "");
  }
}

TEST(PlanFiles, FilesAndDirectoriesTogether) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  write(t / "dist/a.txt", "a");
  write(t / "dist/sub/b.txt", "b");
  write(t / "README.md", "r");
  auto r = plan_files({t / "README.md", t / "dist"}, false, t.path());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(relatives(*r), (std::vector<std::string>{"README.md", "a.txt", "sub/b.txt"}));
}

TEST(PlanFiles, EmptyDirectoryIsUsageError) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  fs::create_directories(t.path() / "empty");
  fs::create_directories(t.path() / "only-dirs/a/b");
  for (const std::string& dir : {t / "empty", t / "only-dirs"}) {
    SCOPED_TRACE(dir);
    auto r = plan_files({dir}, false, t.path());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find(dir), std::string::npos) << r.error().message;
  }
  // Also when another path has files: the empty directory is a mistake worth reporting.
  write(t / "file.txt", "x");
  auto r = plan_files({t / "file.txt", t / "empty"}, false, t.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
}

TEST(PlanFiles, MissingPathIsUsageError) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  write(t / "there.txt", "x");
  const std::string missing = t / "build/hello.linux.arm64";
  auto r = plan_files({t / "there.txt", missing}, false, t.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  EXPECT_NE(r.error().message.find(missing), std::string::npos) << r.error().message;
}

TEST(PlanFiles, NothingToPublishIsUsageError) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  auto r = plan_files({}, false, t.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
}

TEST(PlanFiles, DuplicateKeysNameBothPaths) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  write(t / "a/hello.txt", "1");
  write(t / "b/hello.txt", "2");
  write(t / "dist/hello.txt", "3");
  write(t / "other/sub/x.bin", "4");
  write(t / "dist2/sub/x.bin", "5");
  struct Case {
    std::vector<std::string> paths;
    std::string first, second, key;
  };
  const Case cases[] = {
      // Two files with the same base name.
      {{t / "a/hello.txt", t / "b/hello.txt"}, t / "a/hello.txt", t / "b/hello.txt", "hello.txt"},
      // A file and a directory's file.
      {{t / "a/hello.txt", t / "dist"}, t / "a/hello.txt", t / "dist/hello.txt", "hello.txt"},
      // Two directories with the same relative path inside.
      {{t / "other", t / "dist2"}, t / "other/sub/x.bin", t / "dist2/sub/x.bin", "sub/x.bin"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key + " from " + c.first + " and " + c.second);
    auto r = plan_files(c.paths, false, t.path());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("'" + c.first + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("'" + c.second + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("'" + c.key + "'"), std::string::npos) << m;
  }
}

// ---- stamp_file --------------------------------------------------------------------------------

TEST(PlanStamp, SameFileSameStamp) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  write(t / "f", "hello\n");
  auto a = stamp_file(t / "f"), b = stamp_file(t / "f");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size, 6u);
  EXPECT_NE(a->inode, 0u);
  EXPECT_NE(a->mtime_ns, 0);
}

TEST(PlanStamp, ChangesWhenRewritten) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  const std::string f = t / "hello.linux.arm64";
  write(f, "version one\n");
  auto before = stamp_file(f);
  ASSERT_TRUE(before.ok());

  // Rewritten in place with a different length.
  write(f, "version one, longer\n");
  auto longer = stamp_file(f);
  ASSERT_TRUE(longer.ok());
  EXPECT_NE(*longer, *before);
  EXPECT_EQ(longer->inode, before->inode);

  // Rewritten in place, same length, later: the mtime tells. (Set it explicitly: two writes
  // within one timer tick can share an mtime.)
  write(f, "version two\n");
  fs::last_write_time(f, fs::last_write_time(f) + std::chrono::seconds(2));
  auto same_size = stamp_file(f);
  ASSERT_TRUE(same_size.ok());
  EXPECT_EQ(same_size->size, before->size);
  EXPECT_NE(*same_size, *before);
  EXPECT_NE(same_size->mtime_ns, before->mtime_ns);

  // Replaced by rename (how build tools write), same size and mtime: the inode tells.
  const std::string tmp = t / "hello.linux.arm64.tmp";
  write(tmp, "version 3!!\n");
  fs::last_write_time(tmp, fs::last_write_time(f));
  fs::rename(tmp, f);
  auto replaced = stamp_file(f);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->size, same_size->size);
  EXPECT_EQ(replaced->mtime_ns, same_size->mtime_ns);
  EXPECT_NE(*replaced, *same_size);
}

TEST(PlanStamp, MtimeHasSubsecondPrecision) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  const std::string f = t / "f";
  write(f, "x");
  auto base = fs::last_write_time(f);
  fs::last_write_time(f, base + std::chrono::milliseconds(250));
  auto a = stamp_file(f);
  fs::last_write_time(f, base + std::chrono::milliseconds(500));
  auto b = stamp_file(f);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->mtime_ns - a->mtime_ns, 250'000'000);
}

TEST(PlanStamp, MissingFileIsUsageError) {
  ScratchDir t("plan");
  ASSERT_FALSE(t.path().empty());
  auto r = stamp_file(t / "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  EXPECT_NE(r.error().message.find(t / "nope"), std::string::npos) << r.error().message;
}
