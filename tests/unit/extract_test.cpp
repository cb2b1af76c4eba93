// Release archives with symlinks, and extract_archive() on archives xship writes: a CMake
// install tree (programs, a library's symlink chain, headers, share/) goes through
// plan_archive -> write_archive -> extract_archive and comes back with the same bytes,
// modes, links and times, in tar.gz, tar.zst and zip; entries already in the destination
// are replaced, a symlink planted there is replaced, not followed; a manifest's entry list
// is enforced.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "archive_builders.h"
#include "compress/archive.h"
#include "compress/extract.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::compress;
using namespace xship::testing_extract;

namespace {

constexpr std::int64_t kEpoch = 1700000000;

std::string big(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 31 % 251);
  return s;
}

// A CMake install tree under dir/pkg, plus README.md and LICENSE beside it. `reverse`
// makes the same content in another order with other permission bits beyond "executable".
void make_install_tree(const fs::path& dir, bool reverse) {
  std::vector<std::string> dirs = {"pkg/bin", "pkg/lib/cmake/foo", "pkg/include/foo", "pkg/share/doc/foo"};
  for (const auto& d : dirs) fs::create_directories(dir / d);
  std::vector<std::pair<std::string, std::string>> files = {
      {"pkg/bin/foo", big(200'000, 'a')},
      {"pkg/bin/foo-config", "#!/bin/sh\necho foo\n"},
      {"pkg/lib/libfoo.so.1.2.3", big(90'000, 'b')},
      {"pkg/lib/cmake/foo/fooConfig.cmake", "set(FOO 1)\n"},
      {"pkg/include/foo/foo.h", "int foo(void);\n"},
      {"pkg/share/doc/foo/NOTES", "notes\n"},
      {"pkg/share/doc/foo/caf\xc3\xa9 na\xc3\xafve.txt", "utf-8\n"},
      {"README.md", "# foo\n"},
      {"LICENSE", "MIT\n"}};
  if (reverse) std::reverse(files.begin(), files.end());
  for (const auto& [name, bytes] : files) put((dir / name).string(), bytes);
  for (const auto& p : {"pkg/bin/foo", "pkg/bin/foo-config"}) chmod((dir / p).c_str(), reverse ? 0700 : 0755);
  chmod((dir / "README.md").c_str(), reverse ? 0600 : 0644);
  fs::create_symlink("libfoo.so.1.2.3", dir / "pkg/lib/libfoo.so.1");
  fs::create_symlink("./libfoo.so.1", dir / "pkg/lib/libfoo.so");  // normalised to libfoo.so.1
  fs::create_symlink("../lib/libfoo.so.1.2.3", dir / "pkg/bin/libfoo-link");  // up and down again
  fs::create_symlink("doc/foo", dir / "pkg/share/foo");  // a directory inside
}

std::string write_to(const std::vector<ArchiveMember>& members, ArchiveFormat f, const std::string& path) {
  std::string bytes;
  Status st = write_archive(members, {f, 0, 1, kEpoch}, [&](const std::uint8_t* d, std::size_t n) {
    bytes.append(reinterpret_cast<const char*>(d), n);
    return ok_status();
  });
  EXPECT_TRUE(st) << st.error().message;
  put(path, bytes);
  return bytes;
}

// Files (name -> bytes) made under `dir`, and the archive of `inputs` written to `path`.
void archive_files(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files,
                   const std::vector<std::string>& inputs, ArchiveFormat f, const std::string& path) {
  for (const auto& [name, bytes] : files) {
    fs::create_directories((dir / name).parent_path());
    put((dir / name).string(), bytes);
  }
  auto plan = plan_archive(inputs);
  ASSERT_TRUE(plan) << plan.error().message;
  write_to(*plan, f, path);
}

std::vector<std::string> install_inputs(const fs::path& dir) {
  return {(dir / "pkg").string(), (dir / "README.md").string(), (dir / "LICENSE").string()};
}

class Extract : public ::testing::TestWithParam<ArchiveFormat> {};

TEST(ArchivePlanLinks, LinksInsideAreKeptOthersAreCopiedOrRefused) {
  ScratchDir s("plan-links");
  make_install_tree(s.path(), false);
  fs::create_symlink("../../LICENSE", s.path() / "pkg/share/license");  // leaves pkg: a copy
  fs::create_symlink(s / "pkg/lib/libfoo.so.1.2.3", s.path() / "pkg/lib/abs.so");  // absolute: a copy
  auto plan = plan_archive(install_inputs(s.path()));
  ASSERT_TRUE(plan) << plan.error().message;
  std::map<std::string, ArchiveMember> by;
  for (const auto& m : *plan) by[m.name] = m;
  EXPECT_EQ(by["pkg/lib/libfoo.so.1"].symlink, "libfoo.so.1.2.3");
  EXPECT_EQ(by["pkg/lib/libfoo.so"].symlink, "libfoo.so.1");
  EXPECT_EQ(by["pkg/bin/libfoo-link"].symlink, "../lib/libfoo.so.1.2.3");
  EXPECT_EQ(by["pkg/share/foo"].symlink, "doc/foo");
  EXPECT_EQ(by["pkg/share/license"].symlink, "");
  EXPECT_FALSE(by["pkg/share/license"].directory);
  EXPECT_EQ(by["pkg/lib/abs.so"].symlink, "");

  std::string path = s / "out.tar.gz";
  write_to(*plan, ArchiveFormat::TarGz, path);
  auto list = list_archive(path);
  ASSERT_TRUE(list) << list.error().message;
  for (const auto& e : *list) {
    if (e.name == "pkg/lib/libfoo.so") {
      EXPECT_EQ(e.symlink, "libfoo.so.1");
      EXPECT_EQ(e.mode, 0777u);
      EXPECT_EQ(e.size, 0u);
    }
    if (e.name == "pkg/share/license") EXPECT_EQ(e.content, "MIT\n");
    if (e.name == "pkg/lib/abs.so") EXPECT_EQ(e.content, big(90'000, 'b'));
  }
}

TEST(ArchivePlanLinks, LinksToWhatIsNotArchivedKeepTheirOldErrors) {
  ScratchDir s("plan-links-bad");
  fs::create_directories(s.path() / "pkg");
  fs::create_directories(s.path() / "elsewhere");
  fs::create_directory_symlink("../elsewhere", s.path() / "pkg/dirlink");
  auto dir = plan_archive({s / "pkg"});
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().category, ErrorCategory::Usage);
  EXPECT_NE(dir.error().message.find("symlink to a directory"), std::string::npos) << dir.error().message;
  fs::remove(s.path() / "pkg/dirlink");
  fs::create_symlink("missing", s.path() / "pkg/dangling");
  auto dangling = plan_archive({s / "pkg"});
  ASSERT_FALSE(dangling);
  EXPECT_NE(dangling.error().message.find("dangling"), std::string::npos) << dangling.error().message;
}

TEST_P(Extract, SymlinkArchivesAreReproducible) {
  ScratchDir a("repro-a"), b("repro-b");
  make_install_tree(a.path(), false);
  make_install_tree(b.path(), true);
  auto pa = plan_archive(install_inputs(a.path()));
  auto pb = plan_archive(install_inputs(b.path()));
  ASSERT_TRUE(pa && pb);
  std::string x = write_to(*pa, GetParam(), a / "1");
  std::string y = write_to(*pa, GetParam(), a / "2");
  std::string z = write_to(*pb, GetParam(), b / "1");
  EXPECT_EQ(x, y);
  EXPECT_EQ(x, z);
}

TEST_P(Extract, InstallTreeRoundTripsWithBytesModesLinksAndTimes) {
  ScratchDir src("rt-src"), dst("rt-dst");
  make_install_tree(src.path(), false);
  auto plan = plan_archive(install_inputs(src.path()));
  ASSERT_TRUE(plan) << plan.error().message;
  std::string archive = dst / "release.archive";
  write_to(*plan, GetParam(), archive);
  mode_t old_umask = umask(077);  // modes do not come from the umask
  auto got = extract_archive(archive, dst / "out", {});
  umask(old_umask);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->files.size(), plan->size());
  EXPECT_EQ(got->bytes, 200'000u + 19 + 90'000 + 11 + 15 + 6 + 6 + 6 + 4);

  for (const auto& m : *plan) {
    fs::path out = dst.path() / "out" / m.name;
    struct stat st {};
    ASSERT_EQ(lstat(out.c_str(), &st), 0) << m.name;
    EXPECT_EQ(st.st_mtime, kEpoch) << m.name;
    if (!m.symlink.empty()) {
      EXPECT_TRUE(S_ISLNK(st.st_mode)) << m.name;
      EXPECT_EQ(fs::read_symlink(out).string(), m.symlink) << m.name;
    } else if (m.directory) {
      EXPECT_TRUE(S_ISDIR(st.st_mode)) << m.name;
      EXPECT_EQ(st.st_mode & 07777, 0755u) << m.name;
    } else {
      EXPECT_TRUE(S_ISREG(st.st_mode)) << m.name;
      EXPECT_EQ(get(out.string()), get(m.source)) << m.name;
      struct stat in {};
      stat(m.source.c_str(), &in);
      EXPECT_EQ(st.st_mode & 07777, (in.st_mode & S_IXUSR) ? 0755u : 0644u) << m.name;
    }
  }
  // The chain resolves on disk, and nothing but the entries is left (no temporary directory).
  EXPECT_EQ(get(dst / "out/pkg/lib/libfoo.so"), big(90'000, 'b'));
  EXPECT_EQ(get(dst / "out/pkg/share/foo/NOTES"), "notes\n");
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(dst.path() / "out")) top.push_back(e.path().filename().string());
  std::sort(top.begin(), top.end());
  EXPECT_EQ(top, (std::vector<std::string>{"LICENSE", "README.md", "pkg"}));
}

TEST_P(Extract, ReplacesEntriesKeepsOthersAndReplacesAPlantedSymlink) {
  ScratchDir s("replace");
  archive_files(s.path(), {{"src/pkg/bin/app", "new app\n"}, {"src/LICENSE", "new license\n"}},
                {s / "src/pkg", s / "src/LICENSE"}, GetParam(), s / "a");
  fs::create_directories(s.path() / "dest/keep");
  fs::create_directories(s.path() / "outside/bin");
  put(s / "dest/LICENSE", "old license\n");
  put(s / "dest/keep/mine", "mine\n");
  put(s / "outside/bin/app", "outside\n");
  fs::create_directory_symlink("../outside", s.path() / "dest/pkg");  // planted: must not be followed
  std::string outside_before = snapshot(s.path() / "outside");

  auto got = extract_archive(s / "a", s / "dest", {});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(get(s / "dest/LICENSE"), "new license\n");
  EXPECT_EQ(get(s / "dest/keep/mine"), "mine\n");
  EXPECT_FALSE(fs::is_symlink(s.path() / "dest/pkg"));
  EXPECT_EQ(get(s / "dest/pkg/bin/app"), "new app\n");
  EXPECT_EQ(snapshot(s.path() / "outside"), outside_before);

  // Again over the result: directories merge, files are replaced.
  put(s / "dest/pkg/bin/extra", "kept\n");
  auto again = extract_archive(s / "a", s / "dest", {});
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(get(s / "dest/pkg/bin/extra"), "kept\n");
}

TEST_P(Extract, AFileWhereTheDestinationHasADirectoryChangesNothing) {
  ScratchDir s("file-over-dir");
  archive_files(s.path(), {{"src/LICENSE", "x"}, {"src/README", "y"}}, {s / "src/LICENSE", s / "src/README"},
                GetParam(), s / "a");
  fs::create_directories(s.path() / "dest/README/inner");
  std::string before = snapshot(s.path());
  auto got = extract_archive(s / "a", s / "dest", {});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().category, ErrorCategory::Usage);
  EXPECT_NE(got.error().message.find("README' is a directory"), std::string::npos) << got.error().message;
  EXPECT_EQ(snapshot(s.path()), before);
}

TEST_P(Extract, TheManifestsEntryListIsEnforced) {
  ScratchDir s("expected");
  fs::create_directories(s.path() / "pkg/lib");
  put(s / "pkg/lib/libx.so.1", "lib");
  put(s / "pkg/tool", "#!/bin/sh\n");
  chmod((s / "pkg/tool").c_str(), 0755);
  fs::create_symlink("libx.so.1", s.path() / "pkg/lib/libx.so");
  auto plan = plan_archive({s / "pkg"});
  ASSERT_TRUE(plan);
  write_to(*plan, GetParam(), s / "a");
  const std::vector<ExpectedEntry> good = {{"pkg", true, "", 0, false},
                                           {"pkg/lib", true, "", 0, false},
                                           {"pkg/lib/libx.so", false, "libx.so.1", 0, false},
                                           {"pkg/lib/libx.so.1", false, "", 3, false},
                                           {"pkg/tool", false, "", 10, true}};
  ExtractOptions o;
  o.expected = &good;
  auto ok = extract_archive(s / "a", s / "good", o);
  ASSERT_TRUE(ok) << ok.error().message;

  struct Case {
    std::function<void(std::vector<ExpectedEntry>&)> change;
    std::string entry, says;
  };
  std::vector<Case> cases = {
      {[](auto& l) { l.erase(l.begin() + 4); }, "pkg/tool", "is not in the manifest"},
      {[](auto& l) { l[3].size = 4; }, "pkg/lib/libx.so.1", "has 3 bytes, but the manifest says 4"},
      {[](auto& l) { l[4].executable = false; }, "pkg/tool", "is executable, but the manifest says not executable"},
      {[](auto& l) { l[2].symlink = "libx.so.2"; }, "pkg/lib/libx.so", "points at 'libx.so.1'"},
      {[](auto& l) { l[1].directory = false; }, "pkg/lib", "is a directory, but the manifest lists a file"},
      {[](auto& l) {
         l.push_back({"pkg/missing", false, "", 1, false});
       },
       "pkg/missing", "in the manifest but not in the archive"},
  };
  for (const auto& c : cases) {
    auto list = good;
    c.change(list);
    o.expected = &list;
    auto bad = extract_archive(s / "a", s / "bad", o);
    ASSERT_FALSE(bad) << c.says;
    EXPECT_EQ(bad.error().category, ErrorCategory::Integrity);
    EXPECT_NE(bad.error().message.find("entry '" + c.entry + "' "), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find(c.says), std::string::npos) << bad.error().message;
    EXPECT_FALSE(fs::exists(s.path() / "bad")) << "a destination this run made is removed again: " << c.says;
  }
}

// Names in UTF-8 (a pax path record, zip's UTF-8 flag) are extracted as such whatever the
// process's locale (the tests run in "C", where libarchive warns that it cannot show them).
TEST(ExtractNames, Utf8NamesFromOtherToolsAreKept) {
  ScratchDir s("utf8");
  const std::string name = "caf\xc3\xa9/na\xc3\xafve.txt";
  put(s / "a.tar", tar_bytes({{name, '0', "tar"}}));
  put(s / "a.zip", zip_bytes({{name, "zip", 0100644, std::nullopt, true}}));
  for (const char* a : {"a.tar", "a.zip"}) {
    auto got = extract_archive(s / a, s / "dest", {});
    ASSERT_TRUE(got) << a << ": " << got.error().message;
    EXPECT_EQ(got->files, std::vector<std::string>{name}) << a;
    EXPECT_EQ(get(s / ("dest/" + name)), std::string(a).substr(2)) << a;
  }
}

// Only a top-level name can clash with the temporary directory; deeper ones are fine.
TEST(ExtractNames, TheTemporaryPrefixIsReservedOnlyAtTheTop) {
  ScratchDir s("prefix");
  put(s / "a.tar", tar_bytes({{"pkg/.xship-extract-x/f", '0', "ok"}}));
  auto got = extract_archive(s / "a.tar", s / "dest", {});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(get(s / "dest/pkg/.xship-extract-x/f"), "ok");
}

INSTANTIATE_TEST_SUITE_P(Formats, Extract,
                         ::testing::Values(ArchiveFormat::TarGz, ArchiveFormat::TarZst, ArchiveFormat::Zip),
                         [](const auto& info) {
                           std::string n = archive_extension(info.param) + 1;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

}  // namespace
