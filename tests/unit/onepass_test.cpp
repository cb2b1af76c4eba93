// One pass over a cold multipart file: the decisions that let its upload start before any
// whole-file sum is known. Headers without sums, skip detection by multipart ETag, resume
// keyed without an MD5, fetch's check by a stored part size, and the file's multipart ETag
// (MD5 lanes) against one MD5 stream per part.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "digest/file_parts.h"
#include "publish/existing.h"
#include "publish/object_headers.h"
#include "publish/source_file.h"
#include "publish/upload_state.h"
#include "s3/verified_get.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::publish;

namespace {

std::string random_text(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The multipart ETag S3 computes: one MD5 stream per part.
std::string reference_etag(const std::string& bytes, std::size_t part) {
  std::vector<digest::Md5> md5s;
  for (std::size_t at = 0; at < bytes.size(); at += part) md5s.push_back(digest::md5(bytes.substr(at, part)));
  return digest::multipart_etag(md5s.data(), md5s.size());
}

const std::string kEtag = "0123456789abcdef0123456789abcdef-3";

// A cold-published object: multipart ETag, its part size, no sums.
struct ColdObject {
  RemoteObject listed{12 << 20, kEtag};
  s3::ObjectInfo head;
  s3::ObjectHeaders want;
  ColdObject() {
    head.exists = true;
    head.size = listed.size;
    head.etag = kEtag;
    head.metadata = {{"part-size", std::to_string(5 << 20)}};
    want.metadata = {{"part-size", std::to_string(5 << 20)}};
  }
};

}  // namespace

TEST(OnePass, HeadersCarrySumsOnlyWhenKnown) {
  HeaderRules rules;
  rules.metadata = {{"build", "7"}};
  auto cold = object_headers(rules, "x.bin", std::nullopt, 8 << 20);
  ASSERT_TRUE(cold);
  ASSERT_EQ(cold->metadata.size(), 2u);
  EXPECT_EQ(cold->metadata[0].name, "part-size");
  EXPECT_EQ(cold->metadata[0].value, std::to_string(8 << 20));
  EXPECT_EQ(cold->metadata[1].name, "build");
  auto none = object_headers(rules, "x.bin", std::nullopt);
  ASSERT_EQ(none->metadata.size(), 1u);  // no sums, no part size: nothing but the user's
  auto known = object_headers(rules, "x.bin", WholeSums{"m", "s"}, 8 << 20);
  ASSERT_EQ(known->metadata.size(), 3u);  // with sums the part size is not needed
  EXPECT_EQ(known->metadata[0].name, "md5");
  EXPECT_EQ(known->metadata[1].name, "sha256");
}

TEST(OnePass, SkipByMultipartEtag) {
  ColdObject c;
  EXPECT_EQ(compare_existing(&c.listed, &c.head, c.listed.size, LocalBytes::multipart(kEtag), true, c.want),
            Existing::Same);
  const std::string other = "f123456789abcdef0123456789abcdef-3";
  EXPECT_EQ(compare_existing(&c.listed, &c.head, c.listed.size, LocalBytes::multipart(other), true, c.want),
            Existing::Upload);
  // No MD5 computed matches no missing md5 metadata, and --etag-check off trusts no ETag.
  EXPECT_EQ(compare_existing(&c.listed, &c.head, c.listed.size, std::string(), true, c.want), Existing::Upload);
  EXPECT_EQ(compare_existing(&c.listed, &c.head, c.listed.size, LocalBytes::multipart(kEtag), false, c.want),
            Existing::Upload);
  // Same bytes, other headers (an object with sums as metadata): rewritten, not uploaded.
  c.head.metadata = {{"md5", "ab"}, {"sha256", "cd"}};
  EXPECT_EQ(compare_existing(&c.listed, &c.head, c.listed.size, LocalBytes::multipart(kEtag), true, c.want),
            Existing::HeadersDiffer);
}

TEST(OnePass, MultipartEtagShape) {
  std::uint64_t n = 0;
  EXPECT_TRUE(digest::is_multipart_etag(kEtag, &n));
  EXPECT_EQ(n, 3u);
  EXPECT_TRUE(digest::is_multipart_etag("0123456789abcdef0123456789abcdef-10000", &n));
  EXPECT_EQ(n, 10000u);
  for (const char* bad : {"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef-",
                          "0123456789abcdef0123456789abcdef-0", "0123456789abcdef0123456789abcdeg-3",
                          "0123456789abcdef0123456789abcdef-3x", "0123456789abcdef0123456789abcdef-123456", "-3", ""})
    EXPECT_FALSE(digest::is_multipart_etag(bad)) << bad;
}

TEST(OnePass, FileMultipartEtagIsS3s) {
  ScratchDir dir("onepass");
  constexpr std::size_t kPart = 300 * 1024;
  for (std::size_t size : {kPart, kPart + 1, 17 * kPart + 5, 40 * kPart - 1}) {
    const std::string bytes = random_text(size, size);
    auto fd = open_source(dir.write("f" + std::to_string(size), bytes));
    ASSERT_TRUE(fd);
    EXPECT_EQ(digest::file_multipart_etag(fd->get(), size, kPart), reference_etag(bytes, kPart)) << size;
    EXPECT_FALSE(digest::file_multipart_etag(fd->get(), size + 1, kPart)) << "a short file";
    EXPECT_FALSE(digest::file_multipart_etag(fd->get(), size, 0));
    auto sums = part_sums(fd->get(), size, kPart, std::nullopt);
    ASSERT_TRUE(sums);
    EXPECT_EQ(sums->multipart_etag, reference_etag(bytes, kPart));
    EXPECT_EQ(sums->sha256, digest::sha256(bytes));
    // A SHA-256 from the digest cache is taken as it is: the file is read for the parts only.
    const digest::Sha256 cached = digest::sha256("what the cache says");
    auto with_cached = part_sums(fd->get(), size, kPart, cached);
    ASSERT_TRUE(with_cached);
    EXPECT_EQ(with_cached->multipart_etag, reference_etag(bytes, kPart));
    EXPECT_EQ(with_cached->sha256, cached);
  }
}

TEST(OnePass, ResumeKeyedWithoutMd5) {
  PlannedFile f;
  f.path = "/d/big.bin";
  f.stamp = {100 << 20, 1234, 77};
  UploadState saved{"b", "k", "id", f.path, f.stamp, "", "", 8 << 20};
  EXPECT_TRUE(resumable(saved, f, ""));  // cold then, cold now
  EXPECT_TRUE(resumable(saved, f, "aa"));  // cold then, sums cached now
  saved.md5 = "aa";
  EXPECT_TRUE(resumable(saved, f, ""));
  EXPECT_TRUE(resumable(saved, f, "aa"));
  EXPECT_FALSE(resumable(saved, f, "bb"));  // both known and different
  saved.md5.clear();
  for (auto change : {+[](UploadState& s) { s.path = "/d/other.bin"; }, +[](UploadState& s) { s.stamp.mtime_ns++; },
                      +[](UploadState& s) { s.stamp.size++; }, +[](UploadState& s) { s.stamp.inode++; },
                      +[](UploadState& s) { s.part_size = 1 << 20; }}) {
    UploadState s = saved;
    change(s);
    EXPECT_FALSE(resumable(s, f, ""));
  }
}

TEST(OnePass, FetchChecksAMultipartEtagByItsStoredPartSize) {
  s3::ObjectInfo head;
  head.exists = true;
  head.size = 12 << 20;
  head.etag = kEtag;
  head.metadata = {{"part-size", std::to_string(5 << 20)}};
  auto w = s3::wanted_sums("b", "k", head, {}, true);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->by, "multipart ETag");
  EXPECT_EQ(w->multipart_etag, kEtag);
  EXPECT_EQ(w->part_size, std::uint64_t{5 << 20});
  // A part size that does not give the ETag's part count, or none a part can have: nothing
  // to check against, refused.
  for (const char* bad : {"4194304", "8388608", "abc", "", "5242880x", "+5242880", " 5242880", "99999999999999"}) {
    head.metadata["part-size"] = bad;
    EXPECT_FALSE(s3::wanted_sums("b", "k", head, {}, true)) << bad;
  }
  // Stored sums or a manifest's SHA-256 come first.
  head.metadata = {{"part-size", std::to_string(5 << 20)}, {"sha256", std::string(64, 'a')}};
  EXPECT_EQ(s3::wanted_sums("b", "k", head, {}, true)->by, "stored sha256");
}
