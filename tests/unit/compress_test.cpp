// xship compress: gzip/zstd streams (round trips, header fields, bytes independent of the
// thread count and of how the input is fed), whole-file compression (atomic output, bad
// input, a file-size limit), and reproducible archives.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "compress/archive.h"
#include "compress/codec.h"
#include "compress/compress.h"
#include "compress_fixtures.h"
#include "digest/digest.h"
#include "publish/plan.h"

using namespace xship;
using namespace xship::compress;
using namespace xship::testing_compress;

namespace {

std::string compress_mem(const std::string& in, Format f, int threads, int level = 0, std::size_t piece = 1 << 20) {
  std::string out;
  CodecOptions o{f, level, threads, std::nullopt};
  if (f == Format::Zstd) o.content_size = in.size();
  auto c = make_compressor(o, [&](const std::uint8_t* d, std::size_t n) {
    out.append(reinterpret_cast<const char*>(d), n);
    return ok_status();
  });
  EXPECT_TRUE(c) << c.error().message;
  if (!c) return "";
  for (std::size_t i = 0; i < in.size(); i += piece) {
    std::size_t n = std::min(piece, in.size() - i);
    EXPECT_TRUE((*c)->write(reinterpret_cast<const std::uint8_t*>(in.data() + i), n));
  }
  EXPECT_TRUE((*c)->finish());
  return out;
}

Result<std::string> decompress_mem(const std::string& z, Format f) {
  Scratch s;
  put(s.path("z"), z);
  int fd = open(s.path("z").c_str(), O_RDONLY);
  std::string out;
  Status st = decompress_fd(f, fd, [&](const std::uint8_t* d, std::size_t n) {
    out.append(reinterpret_cast<const char*>(d), n);
    return ok_status();
  });
  close(fd);
  if (!st) return st.error();
  return out;
}

// Bitwise CRC-32 (IEEE), independent of zlib and libdeflate.
std::uint32_t crc32_ref(const std::string& s) {
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
  }
  return ~c;
}

std::uint32_t le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

std::string mixed_bytes(std::size_t n) {
  // Alternating random and compressible stretches, like a program's code and tables.
  std::string s;
  for (std::uint64_t i = 0; s.size() < n; ++i) s += i % 2 ? random_bytes(300'000, i) : compressible_bytes(700'000);
  return s.substr(0, n);
}

struct Input {
  const char* name;
  std::string bytes;
};

std::vector<Input> inputs() {
  return {{"empty", ""},
          {"one_byte", "x"},
          {"random_1MiB", random_bytes(1 << 20)},
          {"compressible_1MiB", compressible_bytes(1 << 20)},
          {"exactly_two_chunks", mixed_bytes(2 * kGzipChunk)},
          {"chunks_plus_one", mixed_bytes(3 * kGzipChunk + 1)},
          {"mixed_5MiB", mixed_bytes(5 << 20)}};
}

class Codec : public ::testing::TestWithParam<Format> {};

TEST_P(Codec, RoundTripsEveryInputShape) {
  for (const auto& in : inputs()) {
    for (int threads : {1, 3}) {
      std::string z = compress_mem(in.bytes, GetParam(), threads);
      auto back = decompress_mem(z, GetParam());
      ASSERT_TRUE(back) << in.name << ": " << back.error().message;
      EXPECT_EQ(*back, in.bytes) << in.name << " threads " << threads;
    }
  }
}

TEST_P(Codec, SameBytesForAnyThreadCountFeedAndRun) {
  // zstd cuts worker jobs at several MiB: the input must span a few of them.
  std::string in = mixed_bytes(GetParam() == Format::Zstd ? 24 << 20 : 6 << 20);
  std::string ref = compress_mem(in, GetParam(), 1);
  ASSERT_FALSE(ref.empty());
  EXPECT_EQ(compress_mem(in, GetParam(), 2), ref) << "threads 2";
  EXPECT_EQ(compress_mem(in, GetParam(), 4), ref) << "threads 4";
  EXPECT_EQ(compress_mem(in, GetParam(), 1), ref) << "second run";
  EXPECT_EQ(compress_mem(in, GetParam(), 2, 0, 7777), ref) << "fed in odd pieces";
}

TEST_P(Codec, CompressesAndLevelsMatter) {
  std::string in = compressible_bytes(4 << 20);
  std::string fast = compress_mem(in, GetParam(), 2, 1), best = compress_mem(in, GetParam(), 2, 9);
  EXPECT_LT(fast.size(), in.size() / 4);
  EXPECT_LE(best.size(), fast.size());
  EXPECT_EQ(*decompress_mem(best, GetParam()), in);
}

TEST_P(Codec, LevelOutOfRangeIsAUsageError) {
  Format f = GetParam();
  for (int bad : {-1, max_level(f) + 1}) {
    auto c = make_compressor({f, bad, 1, std::nullopt}, [](const std::uint8_t*, std::size_t) { return ok_status(); });
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().category, ErrorCategory::Usage);
    EXPECT_NE(c.error().message.find("out of range"), std::string::npos) << c.error().message;
  }
  EXPECT_TRUE(check_level(f, 0));
  EXPECT_TRUE(check_level(f, max_level(f)));
}

TEST_P(Codec, CorruptInputIsAnIntegrityError) {
  std::string z = compress_mem(random_bytes(100'000), GetParam(), 1);
  z[z.size() / 2] ^= 0x55;
  auto back = decompress_mem(z, GetParam());
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().category, ErrorCategory::Integrity);
  auto truncated = decompress_mem(compress_mem(random_bytes(100'000), GetParam(), 1).substr(0, 5000), GetParam());
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message.find("truncated"), std::string::npos) << truncated.error().message;
}

INSTANTIATE_TEST_SUITE_P(Formats, Codec, ::testing::Values(Format::Gzip, Format::Zstd),
                         [](const auto& info) { return std::string(format_name(info.param)); });

TEST(CompressGzip, HeaderIsFixedAndTrailerIsCrcAndSize) {
  std::string in = mixed_bytes(3 * kGzipChunk + 12345);
  for (auto [level, xfl] : {std::pair{6, 0}, {1, 4}, {9, 2}}) {
    std::string z = compress_mem(in, Format::Gzip, 2, level);
    ASSERT_GT(z.size(), 18u);
    EXPECT_EQ(z.substr(0, 4), std::string("\x1f\x8b\x08\x00", 4)) << "magic, deflate, no FNAME/FEXTRA/FCOMMENT";
    EXPECT_EQ(le32(z, 4), 0u) << "mtime 0";
    EXPECT_EQ(static_cast<unsigned char>(z[8]), xfl) << "XFL at level " << level;
    EXPECT_EQ(static_cast<unsigned char>(z[9]), 3) << "OS: Unix, always";
    EXPECT_EQ(le32(z, z.size() - 8), crc32_ref(in));
    EXPECT_EQ(le32(z, z.size() - 4), static_cast<std::uint32_t>(in.size()));
  }
}

TEST(CompressGzip, EmptyInputIsATinyStreamWithZeroTrailer) {
  std::string z = compress_mem("", Format::Gzip, 1);
  // header, one empty final block (libdeflate writes a 5-byte stored one), CRC 0, size 0
  EXPECT_LE(z.size(), 10u + 5 + 8);
  EXPECT_EQ(z.substr(z.size() - 8), std::string(8, '\0'));
}

TEST(CompressZstd, FrameCarriesContentSizeAndChecksum) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{20} << 20}) {
    std::string z = compress_mem(mixed_bytes(n), Format::Zstd, 2);
    ASSERT_GE(z.size(), 6u);
    ASSERT_EQ(z.substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
    unsigned fhd = static_cast<unsigned char>(z[4]);
    bool single = fhd >> 5 & 1;
    EXPECT_TRUE(fhd >> 2 & 1) << "content checksum flag, n=" << n;
    unsigned fcs_flag = fhd >> 6;
    std::size_t fcs_bytes = fcs_flag == 0 ? (single ? 1 : 0) : fcs_flag == 1 ? 2 : fcs_flag == 2 ? 4 : 8;
    ASSERT_GT(fcs_bytes, 0u) << "content size present, n=" << n;
    std::size_t at = 5 + (single ? 0 : 1) + ((fhd & 3) == 3 ? 4 : fhd & 3);
    std::uint64_t fcs = 0;
    for (std::size_t i = fcs_bytes; i-- > 0;) fcs = fcs << 8 | static_cast<unsigned char>(z[at + i]);
    if (fcs_bytes == 2) fcs += 256;
    EXPECT_EQ(fcs, n);
  }
}

TEST(CompressZstd, WrongContentSizeIsReported) {
  std::string out;
  auto c = make_compressor({Format::Zstd, 0, 1, 10}, [&](const std::uint8_t* d, std::size_t n) {
    out.append(reinterpret_cast<const char*>(d), n);
    return ok_status();
  });
  ASSERT_TRUE(c);
  std::string in(20, 'a');
  Status st = (*c)->write(reinterpret_cast<const std::uint8_t*>(in.data()), in.size());
  if (st) st = (*c)->finish();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("size changed"), std::string::npos) << st.error().message;
}

TEST(CompressFormats, NamesAndExtensions) {
  EXPECT_EQ(parse_format("gz"), Format::Gzip);
  EXPECT_EQ(parse_format("zstd"), Format::Zstd);
  EXPECT_FALSE(parse_format("bz2"));
  EXPECT_STREQ(extension(Format::Zstd), ".zst");
  EXPECT_EQ(parse_archive_format("tar.zst"), ArchiveFormat::TarZst);
  EXPECT_FALSE(parse_archive_format("rar"));
  EXPECT_EQ(archive_output_name("dist/app", ArchiveFormat::TarGz), "dist/app.tar.gz");
  EXPECT_EQ(archive_output_name("dist/app.zip", ArchiveFormat::Zip), "dist/app.zip");
}

// ---- whole files -------------------------------------------------------------------------

class CompressFile : public ::testing::Test {
 protected:
  Scratch s;
};

TEST_F(CompressFile, WritesOutputRemovesInputAndRecordsDigests) {
  std::string in = mixed_bytes(3 << 20);
  put(s.path("prog"), in);
  chmod(s.path("prog").c_str(), 0751);
  DigestCache cache(s.path("cache.json"));
  CompressOptions o;
  o.format = Format::Zstd;
  o.threads = 2;
  o.verify = true;
  auto w = compress_file(s.path("prog"), o, &cache);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(s.listing(), "cache.json cache.json.lock prog.zst ");
  EXPECT_EQ(*decompress_mem(get(s.path("prog.zst")), Format::Zstd), in);
  struct stat st {};
  stat(s.path("prog.zst").c_str(), &st);
  EXPECT_EQ(st.st_mode & 07777, 0751u) << "the input's permissions";
  std::string out = get(s.path("prog.zst"));
  EXPECT_EQ(w->digests.md5, digest::md5(out));
  EXPECT_EQ(w->digests.sha256, digest::sha256(out));
  EXPECT_EQ(w->input_size, in.size());
  auto stamp = publish::stamp_file(s.path("prog.zst"));
  ASSERT_TRUE(stamp);
  auto cached = DigestCache(s.path("cache.json")).lookup(s.path("prog.zst"), *stamp);
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->sha256, digest::sha256(out));
  EXPECT_EQ(cached->md5, digest::md5(out));
}

TEST_F(CompressFile, OutputKeepsTheInputsMtimeSoALaterRewriteInvalidatesTheCache) {
  put(s.path("a"), mixed_bytes(200'000));
  struct timespec ts[2] = {{1'500'000'000, 123}, {1'500'000'000, 456}};
  ASSERT_EQ(utimensat(AT_FDCWD, s.path("a").c_str(), ts, 0), 0);
  DigestCache cache(s.path("cache.json"));
  ASSERT_TRUE(compress_file(s.path("a"), CompressOptions{}, &cache));
  auto st = publish::stamp_file(s.path("a.gz"));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->mtime_ns, 1'500'000'000'000'000'456) << "gzip's behaviour: the input's mtime";
  ASSERT_TRUE(DigestCache(s.path("cache.json")).lookup(s.path("a.gz"), *st));
  // Rewritten in place, same size, same inode: only the mtime can tell, and it does.
  int fd = open(s.path("a.gz").c_str(), O_WRONLY);
  ASSERT_EQ(pwrite(fd, "X", 1, 100), 1);
  close(fd);
  auto after = publish::stamp_file(s.path("a.gz"));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->size, st->size);
  EXPECT_EQ(after->inode, st->inode);
  EXPECT_FALSE(DigestCache(s.path("cache.json")).lookup(s.path("a.gz"), *after));
}

TEST_F(CompressFile, KeepKeepsTheInput) {
  put(s.path("a"), "hello");
  CompressOptions o;
  o.keep = true;
  ASSERT_TRUE(compress_file(s.path("a"), o, nullptr));
  EXPECT_EQ(s.listing(), "a a.gz ");
  EXPECT_EQ(*decompress_mem(get(s.path("a.gz")), Format::Gzip), "hello");
}

TEST_F(CompressFile, BadInputIsAUsageErrorAndChangesNothing) {
  put(s.path("a"), "data");
  put(s.path("a.gz"), "old");
  put(s.path("b.gz"), "already");
  fs::create_directories(s.path("dir"));
  const std::string before = s.listing();
  struct Case {
    std::string path, want;
  };
  for (const auto& c : std::vector<Case>{{s.path("a"), "already exists: pass --force"},
                                         {s.path("missing"), "does not exist"},
                                         {s.path("dir"), "is a directory"},
                                         {s.path("b.gz"), "already ends in .gz"},
                                         {"/dev/null", "not a regular file"}}) {
    auto w = compress_file(c.path, CompressOptions{}, nullptr);
    ASSERT_FALSE(w) << c.path;
    EXPECT_EQ(w.error().category, ErrorCategory::Usage) << c.path;
    EXPECT_NE(w.error().message.find(c.want), std::string::npos) << w.error().message;
    EXPECT_EQ(w.error().message.find('\n'), std::string::npos);
  }
  EXPECT_EQ(s.listing(), before);
  EXPECT_EQ(get(s.path("a.gz")), "old");
  EXPECT_EQ(get(s.path("a")), "data");
}

TEST_F(CompressFile, ForceReplacesTheOutput) {
  put(s.path("a"), "data");
  put(s.path("a.gz"), "old");
  CompressOptions o;
  o.force = true;
  ASSERT_TRUE(compress_file(s.path("a"), o, nullptr));
  EXPECT_EQ(*decompress_mem(get(s.path("a.gz")), Format::Gzip), "data");
  EXPECT_EQ(s.listing(), "a.gz ");
}

TEST_F(CompressFile, FileSizeLimitLeavesNoPartialOutput) {
  put(s.path("big"), random_bytes(2 << 20));
  auto w = [&] {
    FileSizeLimit limit(256 * 1024);
    return compress_file(s.path("big"), CompressOptions{}, nullptr);
  }();
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().category, ErrorCategory::Runtime);
  EXPECT_NE(w.error().message.find("file size limit"), std::string::npos) << w.error().message;
  EXPECT_EQ(s.listing(), "big ") << "no temporary or partial file";
  EXPECT_EQ(get(s.path("big")), random_bytes(2 << 20));
}

// ---- archives ----------------------------------------------------------------------------

constexpr std::int64_t kEpoch = 1700000000;

// The same content twice, made differently: other creation order, mtimes and permission
// bits beyond "executable or not".
void make_tree(const Scratch& s, bool variant) {
  fs::create_directories(s.path("pkg/sub"));
  std::vector<std::pair<std::string, std::string>> files = {{"pkg/b.txt", "bee\n"},
                                                            {"pkg/a.txt", "ay\n"},
                                                            {"pkg/sub/z.bin", random_bytes(70'000, 7)},
                                                            {"prog", mixed_bytes(300'000)},
                                                            {"README.md", "# readme\n"}};
  if (variant) std::reverse(files.begin(), files.end());
  for (const auto& [name, bytes] : files) put(s.path(name), bytes);
  chmod(s.path("prog").c_str(), variant ? 0700 : 0755);
  chmod(s.path("README.md").c_str(), variant ? 0600 : 0644);
  struct timespec ts[2] = {{variant ? 12345 : 999999999, 0}, {variant ? 12345 : 999999999, 0}};
  for (const auto& [name, bytes] : files) utimensat(AT_FDCWD, s.path(name).c_str(), ts, 0);
}

Result<std::string> archive_of(const Scratch& s, ArchiveFormat f) {
  std::vector<std::string> in = {s.path("prog"), s.path("README.md"), s.path("pkg")};
  ArchiveOptions o{f, 0, 2, kEpoch};
  auto w = create_archive(s.path("out/release"), in, o, false, nullptr);
  if (!w) return w.error();
  return get(w->output);
}

class Archive : public ::testing::TestWithParam<ArchiveFormat> {};

TEST_P(Archive, SameFilesGiveTheSameBytes) {
  Scratch a, b;
  make_tree(a, false);
  make_tree(b, true);
  fs::create_directories(a.path("out"));
  fs::create_directories(b.path("out"));
  auto x = archive_of(a, GetParam());
  ASSERT_TRUE(x) << x.error().message;
  auto y = archive_of(b, GetParam());
  ASSERT_TRUE(y) << y.error().message;
  EXPECT_EQ(*x, *y);
  EXPECT_GT(x->size(), 1000u);
}

TEST_P(Archive, EntriesAreSortedOwnedByRootAndStampedWithTheCommitTime) {
  Scratch a;
  make_tree(a, true);
  fs::create_directories(a.path("out"));
  ASSERT_TRUE(archive_of(a, GetParam()));
  auto list = list_archive(archive_output_name(a.path("out/release"), GetParam()));
  ASSERT_TRUE(list) << list.error().message;
  std::vector<std::string> names;
  for (const auto& e : *list) {
    std::string n = e.name;
    if (!n.empty() && n.back() == '/') n.pop_back();
    names.push_back(n);
    EXPECT_EQ(e.mtime, kEpoch) << e.name;
    EXPECT_EQ(e.uid, 0) << e.name;
    EXPECT_EQ(e.gid, 0) << e.name;
    EXPECT_EQ(e.uname, "") << e.name;
    EXPECT_EQ(e.gname, "") << e.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"README.md", "pkg", "pkg/a.txt", "pkg/b.txt", "pkg/sub", "pkg/sub/z.bin",
                                             "prog"}));
  for (const auto& e : *list) {
    if (e.name == "prog") {
      EXPECT_EQ(e.mode, 0755u);
      EXPECT_EQ(e.content, mixed_bytes(300'000));
    }
    if (e.name == "README.md") EXPECT_EQ(e.mode, 0644u);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, Archive,
                         ::testing::Values(ArchiveFormat::TarGz, ArchiveFormat::TarZst, ArchiveFormat::Zip),
                         [](const auto& info) {
                           std::string n = archive_extension(info.param) + 1;
                           std::replace(n.begin(), n.end(), '.', '_');
                           return n;
                         });

TEST(ArchiveZip, TimezoneDoesNotChangeTheBytes) {
  Scratch a;
  make_tree(a, false);
  fs::create_directories(a.path("out"));
  setenv("TZ", "Asia/Kolkata", 1);
  tzset();  // localtime_r reads TZ again only after tzset
  auto x = archive_of(a, ArchiveFormat::Zip);
  ASSERT_TRUE(x);
  EXPECT_STREQ(std::getenv("TZ"), "Asia/Kolkata") << "TZ restored";
  setenv("TZ", "America/Los_Angeles", 1);
  tzset();
  fs::remove(a.path("out/release.zip"));
  auto y = archive_of(a, ArchiveFormat::Zip);
  unsetenv("TZ");
  tzset();
  ASSERT_TRUE(y);
  EXPECT_EQ(*x, *y);
}

TEST(ArchivePlan, TwoInputsOnOneNameAndMissingInputsAreUsageErrors) {
  Scratch a, b;
  put(a.path("LICENSE"), "x");
  put(b.path("LICENSE"), "y");
  auto p = plan_archive({a.path("LICENSE"), b.path("LICENSE")});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().category, ErrorCategory::Usage);
  EXPECT_NE(p.error().message.find("would both be stored as 'LICENSE'"), std::string::npos) << p.error().message;
  auto q = plan_archive({a.path("nope")});
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().message.find("does not exist"), std::string::npos);
}

TEST(ArchivePlan, TheArchiveItselfIsLeftOut) {
  Scratch a;
  fs::create_directories(a.path("dist"));
  put(a.path("dist/app"), "bin");
  put(a.path("dist/app.tar.gz"), "an older archive");
  auto p = plan_archive({a.path("dist")}, a.path("dist/app.tar.gz"));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[1].name, "dist/app");
}

TEST(ArchiveMtime, SourceDateEpochWinsAndIsValidated) {
  auto t = reproducible_mtime(map_env({{"SOURCE_DATE_EPOCH", "1234567890"}}));
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1234567890);
  auto bad = reproducible_mtime(map_env({{"SOURCE_DATE_EPOCH", "yesterday"}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().category, ErrorCategory::Usage);
}

}  // namespace
