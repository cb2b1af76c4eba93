// The artifact record (what a release archive or program is, holds and needs): written by
// build, carried through manifest.json, read back by fetch, which must refuse damage.
#include <gtest/gtest.h>

#include "cross/artifact.h"
#include "release/manifest.h"

using namespace xship;
using namespace xship::cross;

namespace {

ArtifactInfo sample() {
  ArtifactInfo a;
  a.target = {Os::Linux, Arch::Arm64};
  a.kind = ArtifactKind::Archive;
  a.format = "tar.gz";
  a.programs = {"lua", "luac"};
  a.contents = {{"LICENSE", EntryType::File, 1077, false, ""},
                {"lib", EntryType::Directory, 0, false, ""},
                {"lib/liblua.so", EntryType::Symlink, 0, false, "liblua.so.5.4"},
                {"lib/liblua.so.5.4", EntryType::File, 250000, false, ""},
                {"lua", EntryType::File, 300000, true, ""},
                {"luac", EntryType::File, 200000, true, ""}};
  a.needs.dynamic = true;
  a.needs.glibc = "2.34";
  a.needs.libraries = {"libc.so.6", "libm.so.6"};
  return a;
}

}  // namespace

TEST(Artifact, JsonRoundTripsEveryField) {
  ArtifactInfo a = sample();
  auto j = artifact_json(a);
  EXPECT_EQ(j["target"], "linux/arm64");
  EXPECT_EQ(j["kind"], "archive");
  EXPECT_EQ(j["requires"]["glibc"], "2.34");
  EXPECT_EQ(j["contents"][4]["executable"], true);
  EXPECT_FALSE(j["contents"][0].contains("executable")) << "false is left out";
  auto back = parse_artifact_json(nlohmann::json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, a);
}

TEST(Artifact, DamagedRecordsAreRefused) {
  auto base = nlohmann::json::parse(artifact_json(sample()).dump());
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> damage;
  };
  std::vector<Case> cases = {
      {"unknown target", [](auto& j) { j["target"] = "plan9/mips"; }},
      {"unknown kind", [](auto& j) { j["kind"] = "tarball"; }},
      {"absolute name", [](auto& j) { j["contents"][0]["name"] = "/etc/passwd"; }},
      {"dot-dot name", [](auto& j) { j["contents"][0]["name"] = "lib/../../x"; }},
      {"dot name", [](auto& j) { j["contents"][0]["name"] = "./x"; }},
      {"empty segment", [](auto& j) { j["contents"][0]["name"] = "lib//x"; }},
      {"escape in name", [](auto& j) { j["contents"][0]["name"] = "a\x1b[2Jb"; }},
      {"negative size", [](auto& j) { j["contents"][3]["size"] = -1; }},
      {"fractional size", [](auto& j) { j["contents"][3]["size"] = 1.5; }},
      {"symlink without target", [](auto& j) { j["contents"][2].erase("link"); }},
      {"file with a link", [](auto& j) { j["contents"][0]["link"] = "x"; }},
      {"unknown entry type", [](auto& j) { j["contents"][0]["type"] = "fifo"; }},
      {"program outside", [](auto& j) { j["programs"][0] = "../lua"; }},
      {"library with a slash", [](auto& j) { j["requires"]["libraries"][0] = "/lib/libc.so.6"; }},
      {"contents not a list", [](auto& j) { j["contents"] = "lua"; }},
      {"requires not an object", [](auto& j) { j["requires"] = 1; }},
  };
  for (const auto& c : cases) {
    auto j = base;
    c.damage(j);
    auto r = parse_artifact_json(j);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity) << c.what;
    EXPECT_NE(r.error().message.find("damaged"), std::string::npos) << c.what << ": " << r.error().message;
  }
}

TEST(Artifact, SafeRelativePaths) {
  for (const char* ok : {"a", "bin/lua", "share/doc/x.txt", "a..b", ".hidden/x"})
    EXPECT_TRUE(is_safe_relative_path(ok)) << ok;
  for (const char* bad : {"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a/..", "a\nb", "a\tb"})
    EXPECT_FALSE(is_safe_relative_path(bad)) << bad;
  EXPECT_FALSE(is_safe_relative_path(std::string(5000, 'a')));
}

TEST(Artifact, DescribeForTheBuildTable) {
  Requirements r;
  EXPECT_EQ(describe(r), "static");
  r.dynamic = true;
  r.glibc = "2.34";
  r.libraries = {"libc.so.6", "libz.so.1", "ld-linux-aarch64.so.1"};
  EXPECT_EQ(describe(r), "glibc 2.34, libz.so.1");
  Requirements w;
  w.dlls = {"KERNEL32.dll", "msvcrt.dll"};
  EXPECT_EQ(describe(w), "KERNEL32.dll, msvcrt.dll");
}

// The manifest carries the record per file and gives it back; os/arch must agree with it.
TEST(Artifact, ManifestCarriesIt) {
  release::ManifestEntry e{"lua_5.4.4_linux_arm64.tar.gz",
                           "rel/lua_5.4.4_linux_arm64.tar.gz",
                           123,
                           std::string(32, 'a'),
                           std::string(64, 'b'),
                           "etag",
                           "http://x",
                           "linux",
                           "arm64",
                           sample()};
  BuildInfo info;
  auto text = release::manifest_json({e}, info);
  auto back = release::parse_manifest(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->size(), 1u);
  ASSERT_TRUE((*back)[0].artifact.has_value());
  EXPECT_EQ(*(*back)[0].artifact, sample());

  auto j = nlohmann::json::parse(text);
  j["files"][0]["arch"] = "amd64";
  auto mixed = release::parse_manifest(j.dump());
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.error().message.find("disagree"), std::string::npos);

  release::ManifestEntry plain{"SHA", "k", 1, std::string(32, 'a'), std::string(64, 'b'), "", "", "", "", std::nullopt};
  auto plain_back = release::parse_manifest(release::manifest_json({plain}, info));
  ASSERT_TRUE(plain_back.ok());
  EXPECT_FALSE((*plain_back)[0].artifact.has_value()) << "files without a record stay plain";
}
