// Writing releases: archive names (GoReleaser's NAME_VERSION_OS_ARCH), when an archive is
// made, and the files written from real stages: bytes, reproducibility, the records
// publish reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "compress/archive.h"
#include "compress/digest_cache.h"
#include "core/file_stamp.h"
#include "release/package.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::release;
namespace fs = std::filesystem;

TEST(Release, VersionAndArchiveNames) {
  EXPECT_EQ(release_version("v1.2.3"), "1.2.3");
  EXPECT_EQ(release_version("v1.2.3-4-gabc-dirty"), "1.2.3-4-gabc-dirty");
  EXPECT_EQ(release_version("version"), "version") << "only v followed by a digit is dropped";
  EXPECT_EQ(release_version("1.0"), "1.0");
  cross::Stamp s{"v5.4.4", "0123456789abcdef", 0};
  auto n = archive_basename(kDefaultArchiveName, "lua", s, {cross::Os::Linux, cross::Arch::Arm64});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, "lua_5.4.4_linux_arm64");
  auto c = archive_basename("{name}-{short_commit}-{os}-{arch}", "lua", s, {cross::Os::Windows, cross::Arch::I386});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "lua-0123456-windows-386");

  auto unknown = archive_basename("{name}_{tag}", "lua", s, cross::host_target());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().category, ErrorCategory::Usage);
  EXPECT_NE(unknown.error().message.find("unknown placeholder {tag}"), std::string::npos) << unknown.error().message;
  auto slash = archive_basename("{name}/{os}", "lua", s, cross::host_target());
  ASSERT_FALSE(slash.ok());
  EXPECT_NE(slash.error().message.find("not a plain file name"), std::string::npos);
  EXPECT_FALSE(archive_basename("{name", "lua", s, cross::host_target()).ok());
}

TEST(Release, WhenAnArchiveIsMade) {
  cross::BuildRequest req;
  req.name = "hello";
  req.targets = {cross::host_target()};
  PackageOptions o;
  o.name = "hello";
  EXPECT_EQ(*resolve_archive(o, req), ArchiveChoice::None) << "one program alone: as before";
  req.programs = {"lua", "luac"};
  EXPECT_EQ(*resolve_archive(o, req), ArchiveChoice::TarGz) << "several programs travel in an archive";
  req.programs = {};
  req.files = {"README"};
  EXPECT_EQ(*resolve_archive(o, req), ArchiveChoice::TarGz);
  o.archive = ArchiveChoice::None;
  auto none = resolve_archive(o, req);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("--files need an archive"), std::string::npos) << none.error().message;
  o.archive = ArchiveChoice::TarZst;
  o.format = compress::Format::Gzip;
  auto both = resolve_archive(o, req);
  ASSERT_FALSE(both.ok()) << "an explicit archive and --format say two things";
  o.archive = ArchiveChoice::Auto;
  EXPECT_EQ(*resolve_archive(o, req), ArchiveChoice::TarGz) << "with auto, --format is for programs shipped alone";
  EXPECT_FALSE(parse_archive_choice("rar").ok());
  EXPECT_EQ(*parse_archive_choice("tgz"), ArchiveChoice::TarGz);
}

namespace {

struct Stage {
  ScratchDir scratch{"release"};
  std::string dir = scratch.str();
  std::string stage = dir + "/stage";
  cross::TargetResult result;
  PackageOptions options;
  compress::DigestCache cache{dir + "/digests.json"};
  Stage(cross::Target t, cross::Stamp stamp = {"v2.0.0", "abc", 1700000000}) {
    options.out_dir = dir + "/dist";
    options.name = "prog";
    options.stamp = std::move(stamp);
    fs::create_directories(stage + "/doc");
    write(stage + "/prog",
          "\x7f"
          "ELF program bytes",
          0755);
    write(stage + "/README", "read me\n", 0644);
    write(stage + "/doc/guide.txt", "guide\n", 0600);
    result.target = t;
    result.status = cross::TargetStatus::Built;
    result.stage = stage;
    result.programs = {"prog"};
    result.needs.dynamic = true;
    result.needs.glibc = "2.17";
  }
  static void write(const std::string& path, const std::string& text, int mode) {
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, fs::perms(mode));
  }
};

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(Release, ArchivesAreReproducibleAndRecorded) {
  Stage s({cross::Os::Linux, cross::Arch::Arm64});
  const PackageOptions& o = s.options;
  compress::DigestCache& cache = s.cache;
  std::vector<cross::TargetResult> results = {s.result};
  ASSERT_TRUE(package(results, o, ArchiveChoice::TarGz, cache).ok());
  std::string archive = o.out_dir + "/prog_2.0.0_linux_arm64.tar.gz";
  EXPECT_EQ(results[0].output, archive);
  ASSERT_TRUE(fs::exists(archive));
  auto listing = compress::list_archive(archive);
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  std::vector<std::string> names;
  for (const auto& e : *listing) {
    names.push_back(e.name);
    EXPECT_EQ(e.mtime, 1700000000) << e.name << ": the commit time";
    EXPECT_EQ(e.uid, 0);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"README", "doc/", "doc/guide.txt", "prog"}));
  EXPECT_EQ((*listing)[3].mode, 0755u) << "the program is executable inside";
  EXPECT_EQ((*listing)[2].mode, 0644u) << "modes are fixed, not the builder's 0600";

  std::string first = bytes_of(archive);
  fs::last_write_time(s.stage + "/README", fs::file_time_type::clock::now());
  ASSERT_TRUE(package(results, o, ArchiveChoice::TarGz, cache).ok());
  EXPECT_EQ(bytes_of(archive), first) << "the same stage gives the same bytes";

  auto stamp = stamp_file(archive);
  ASSERT_TRUE(stamp.ok());
  auto record = cache.artifact(archive, *stamp);
  ASSERT_TRUE(record.has_value()) << "publish finds what the archive is";
  auto info = cross::parse_artifact_json(*record);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->target.name(), "linux/arm64");
  EXPECT_EQ(info->kind, cross::ArtifactKind::Archive);
  EXPECT_EQ(info->format, "tar.gz");
  EXPECT_EQ(info->programs, std::vector<std::string>{"prog"});
  ASSERT_EQ(info->contents.size(), 4u);
  EXPECT_EQ(info->contents[3].size, bytes_of(s.stage + "/prog").size());
  EXPECT_TRUE(info->contents[3].executable);
  EXPECT_EQ(info->needs.glibc, "2.17");
  EXPECT_TRUE(cache.lookup(archive, *stamp).has_value()) << "and its digests, for a single read at publish";
}

TEST(Release, WindowsGetsZipAndProgramsAloneKeepTheirNames) {
  Stage win({cross::Os::Windows, cross::Arch::Amd64}, {"v1.0", "abc", 1});
  fs::rename(win.stage + "/prog", win.stage + "/prog.exe");
  win.result.programs = {"prog.exe"};
  PackageOptions& o = win.options;
  compress::DigestCache& cache = win.cache;
  std::vector<cross::TargetResult> results = {win.result};
  ASSERT_TRUE(package(results, o, ArchiveChoice::TarZst, cache).ok());
  EXPECT_EQ(results[0].output, o.out_dir + "/prog_1.0_windows_amd64.zip");

  // One program alone: dist/NAME.OS.ARCH.exe, compressed on request, recorded as a program.
  fs::remove_all(win.stage + "/doc");
  fs::remove(win.stage + "/README");
  o.format = compress::Format::Zstd;
  ASSERT_TRUE(package(results, o, ArchiveChoice::None, cache).ok());
  std::string zst = o.out_dir + "/prog.windows.amd64.exe.zst";
  EXPECT_EQ(results[0].output, zst);
  EXPECT_FALSE(fs::exists(o.out_dir + "/prog.windows.amd64.exe")) << "compressed in place, as gzip does";
  auto info = cross::parse_artifact_json(*cache.artifact(zst, *stamp_file(zst)));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->kind, cross::ArtifactKind::Program);
  EXPECT_EQ(info->format, "zst");
  ASSERT_EQ(info->contents.size(), 1u);
  EXPECT_EQ(info->contents[0].name, "prog.exe");
  EXPECT_EQ(info->contents[0].size, bytes_of(win.stage + "/prog.exe").size()) << "the size unpacked, for fetch's bound";
}

TEST(Release, FailedTargetsAreLeftAlone) {
  Stage s(cross::host_target());
  s.result.status = cross::TargetStatus::TestsFailed;
  std::vector<cross::TargetResult> results = {s.result};
  ASSERT_TRUE(package(results, s.options, ArchiveChoice::TarGz, s.cache).ok());
  EXPECT_TRUE(results[0].output.empty());
  EXPECT_TRUE(!fs::exists(s.options.out_dir) || fs::is_empty(s.options.out_dir))
      << "nothing of a failed target reaches dist";
}
