// manifest.json and SHA256SUMS: deterministic bytes, a lossless round trip, the format
// `sha256sum -c` reads, and damaged manifests refused.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "digest/digest.h"
#include "manifest_fixtures.h"
#include "release/manifest.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::release;
namespace fs = std::filesystem;

namespace {

using test::entry;
using test::info;

// Names are unique (plan_files refuses duplicates), in no particular order.
std::vector<ManifestEntry> sample() {
  return {
      entry("hello.windows.amd64.exe", "MZ windows binary\n", "windows", "amd64"),
      entry("hello.linux.arm64", "ELF arm64 binary\n", "linux", "arm64"),
      entry("docs/README.txt", "read me\n"),
      entry("SHA-notes.txt", ""),
      entry("hello.linux.amd64.gz", std::string("\x1f\x8b\x08\x00gz", 6), "linux", "amd64"),
  };
}

void expect_same(const ManifestEntry& a, const ManifestEntry& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.md5, b.md5);
  EXPECT_EQ(a.sha256, b.sha256);
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.os, b.os);
  EXPECT_EQ(a.arch, b.arch);
}

std::vector<std::string> names_sorted(std::vector<ManifestEntry> e) {
  std::vector<std::string> n;
  for (const auto& x : e) n.push_back(x.name);
  std::sort(n.begin(), n.end());
  return n;
}

}  // namespace

TEST(Manifest, SameBytesForTheSameEntriesInAnyOrder) {
  auto entries = sample();
  const std::string first = manifest_json(entries, info());
  const std::string sums = sha256sums(entries);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  int orders = 0;
  do {
    EXPECT_EQ(manifest_json(entries, info()), first);
    EXPECT_EQ(sha256sums(entries), sums);
    ++orders;
  } while (std::next_permutation(entries.begin(), entries.end(),
                                 [](const auto& a, const auto& b) { return a.name < b.name; }));
  EXPECT_EQ(orders, 120);
}

TEST(Manifest, NoTimestampsOrRunDetails) {
  // The run's date and CI system do not reach the bytes: an unchanged release is unchanged.
  BuildInfo other = info();
  other.date = "2031-12-31";
  other.ci = "";
  EXPECT_EQ(manifest_json(sample(), other), manifest_json(sample(), info()));
  EXPECT_EQ(manifest_json(sample(), info()).find("2024-02-29"), std::string::npos);
  // ...but the build facts do.
  other.commit = "fedcba9876543210fedcba9876543210fedcba98";
  EXPECT_NE(manifest_json(sample(), other), manifest_json(sample(), info()));
}

TEST(Manifest, LayoutIsSortedAndComplete) {
  const std::string text = manifest_json(sample(), info());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> top;
  for (auto& [k, _] : j.items()) top.push_back(k);
  EXPECT_EQ(top,
            (std::vector<std::string>{"format", "repo", "branch", "commit", "tag", "version", "sha256sums", "files"}));
  EXPECT_EQ(j["format"], "xship-manifest-1");
  EXPECT_EQ(j["sha256sums"], digest::sha256_hex(sha256sums(sample())));
  EXPECT_EQ(parse_manifest_doc(text)->sha256sums, j["sha256sums"]);
  EXPECT_EQ(j["repo"], "acme/widget");
  EXPECT_EQ(j["tag"], "v1.2.3");
  ASSERT_EQ(j["files"].size(), 5u);
  std::vector<std::string> names;
  for (const auto& f : j["files"]) {
    names.push_back(f["name"]);
    EXPECT_EQ(f["commit"], info().commit);
    // os/arch appear only when known.
    EXPECT_EQ(f.contains("os"), f["name"].get<std::string>().starts_with("hello.")) << f.dump();
    EXPECT_EQ(f.contains("arch"), f.contains("os")) << f.dump();
  }
  EXPECT_EQ(names, names_sorted(sample()));
  EXPECT_EQ(j["files"][0]["name"], "SHA-notes.txt");  // byte order: uppercase before lowercase
  EXPECT_EQ(j["files"][4]["size"], std::string("MZ windows binary\n").size());
}

TEST(Manifest, RoundTripsThroughParseManifest) {
  auto entries = sample();
  auto parsed = parse_manifest(manifest_json(entries, info()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), entries.size());
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(entries[i].name);
    expect_same((*parsed)[i], entries[i]);
  }
  // fetch --manifest compares the published SHA256SUMS with the one rebuilt from the manifest.
  EXPECT_EQ(sha256sums(*parsed), sha256sums(sample()));
  // And writing the parsed entries again gives the same bytes.
  EXPECT_EQ(manifest_json(*parsed, info()), manifest_json(sample(), info()));
}

TEST(Manifest, RoundTripKeepsLargeSizes) {
  auto e = entry("big.iso", "x");
  e.size = 5ull << 40;  // 5 TiB, the S3 object limit
  auto parsed = parse_manifest(manifest_json({e}, info()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ((*parsed)[0].size, 5ull << 40);
}

TEST(Manifest, Sha256sumsFormat) {
  const std::string sums = sha256sums(sample());
  const std::regex line("[0-9a-f]{64}  [^\\n]+\\n");
  std::vector<std::string> names;
  std::size_t start = 0, lines = 0;
  while (start < sums.size()) {
    std::size_t nl = sums.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "every line ends in a newline";
    std::string l = sums.substr(start, nl - start + 1);
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    names.push_back(l.substr(66, l.size() - 67));
    start = nl + 1;
    ++lines;
  }
  EXPECT_EQ(lines, 5u);
  EXPECT_EQ(names, names_sorted(sample()));
  EXPECT_EQ(sums.substr(0, 66), digest::sha256_hex("") + "  ");
  EXPECT_EQ(sha256sums({}), "");
  EXPECT_EQ(sha256sums({entry("a.txt", "hello\n")}),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  a.txt\n");
}

TEST(Manifest, Sha256sumsIsAcceptedBySha256sumCheck) {
  ScratchDir dir("manifest");
  ASSERT_FALSE(dir.path().empty());
  auto entries = sample();
  const std::vector<std::string> contents = {"MZ windows binary\n", "ELF arm64 binary\n", "read me\n", "",
                                             std::string("\x1f\x8b\x08\x00gz", 6)};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    fs::path p = dir.path() / entries[i].name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << contents[i];
  }
  std::ofstream(dir.path() / "SHA256SUMS", std::ios::binary) << sha256sums(entries);
  std::string cmd = "cd '" + dir.path().string() + "' && sha256sum --strict -c SHA256SUMS >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "sha256sum -c rejected:\n" << sha256sums(entries);
  // And it notices a changed file, so the check above means something.
  std::ofstream(dir.path() / "docs/README.txt", std::ios::binary) << "changed\n";
  EXPECT_NE(std::system(cmd.c_str()), 0);
}

TEST(Manifest, ParseRejectsDamagedManifests) {
  const std::string good = manifest_json(sample(), info());
  auto damaged_entry = [&](const std::function<void(nlohmann::json&)>& change) {
    auto j = nlohmann::json::parse(good);
    change(j["files"][1]);
    return j.dump();
  };
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty", ""},
      {"not JSON", "<Error><Code>NoSuchKey</Code></Error>"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"a JSON array", "[]"},
      {"a JSON string", "\"files\""},
      {"no files", "{\"format\": \"xship-manifest-1\"}"},
      {"files not an array", "{\"files\": {\"name\": \"a\"}}"},
      {"files null", "{\"files\": null}"},
      {"entry without sha256", damaged_entry([](auto& f) { f.erase("sha256"); })},
      {"entry with empty sha256", damaged_entry([](auto& f) { f["sha256"] = ""; })},
      {"entry with short sha256",
       damaged_entry([](auto& f) { f["sha256"] = f["sha256"].template get<std::string>().substr(1); })},
      {"entry without name", damaged_entry([](auto& f) { f.erase("name"); })},
      {"entry without key", damaged_entry([](auto& f) { f.erase("key"); })},
      // Wrong types: refused as damaged, not thrown at the caller.
      {"entry not an object", "{\"files\": [1]}"},
      {"entry is null", "{\"files\": [null]}"},
      {"name not a string", damaged_entry([](auto& f) { f["name"] = 7; })},
      {"sha256 not a string", damaged_entry([](auto& f) { f["sha256"] = nlohmann::json::array(); })},
      {"size not a number", damaged_entry([](auto& f) { f["size"] = "17"; })},
      // Found by the manifest fuzzer: a float beyond 2^64 was converted to an integer
      // (undefined behaviour), and -1 or 1.5 were read as 2^64-1 and 1.
      {"size a huge float", damaged_entry([](auto& f) { f["size"] = 1e30; })},
      {"size negative", damaged_entry([](auto& f) { f["size"] = -1; })},
      {"size a fraction", damaged_entry([](auto& f) { f["size"] = 1.5; })},
  };
  for (const auto& [what, text] : cases) {
    SCOPED_TRACE(what);
    Result<std::vector<ManifestEntry>> r = std::vector<ManifestEntry>{};
    ASSERT_NO_THROW(r = parse_manifest(text));
    ASSERT_FALSE(r.ok()) << "accepted " << r->size() << " entries";
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
    EXPECT_FALSE(r.error().message.empty());
  }
  // The undamaged one still parses (the cases above damage one thing each).
  EXPECT_TRUE(parse_manifest(good).ok());
}
