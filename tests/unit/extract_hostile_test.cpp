// extract_archive() on hostile archives, made by hand (archive_builders.h): every refusal
// is an Integrity error whose one line names the entry, and leaves the destination (with
// its earlier files and a planted symlink evil -> ../outside) and everything around it as
// it was: no temporary directory left, nothing written outside.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "archive_builders.h"
#include "compress/extract.h"
#include "compress/extract_check.h"
#include "core/cancel.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::compress;
using namespace xship::testing_extract;

namespace {

struct Hostile {
  const char* what;
  std::function<std::string()> archive;  // the bytes, made when the test runs
  std::string entry;  // as the message shows it, quotes included
  std::string says;
  ExtractOptions opts = {};
};

TarEntry file(std::string name, std::string data = "x") { return {std::move(name), '0', std::move(data)}; }
TarEntry link(std::string name, std::string target) { return {std::move(name), '2', "", std::move(target), 0777}; }
TarEntry dir(std::string name) { return {std::move(name), '5', "", "", 0755}; }

// A zip without its central directory, which libarchive then reads as a stream of local
// headers (as a zip being downloaded would be).
std::string local_only(const std::string& zip) { return zip.substr(0, zip.find("PK\x01\x02")); }

ExtractOptions limits(std::uint64_t bytes, std::uint64_t entries) {
  ExtractOptions o;
  o.max_total_bytes = bytes;
  o.max_entries = entries;
  return o;
}

std::vector<Hostile> hostile_archives() {
  std::string deep;
  for (int i = 0; i < 130; ++i) deep += "d/";
  return {
      {"absolute name", [=] { return tar_bytes({file("/tmp/xship-pwned")}); }, "'/tmp/xship-pwned'",
       "has an absolute name"},
      {"dot-dot", [=] { return tar_bytes({file("../outside/pwned")}); }, "'../outside/pwned'",
       "has a '..' path segment"},
      {"dot-dot inside", [=] { return gzip_bytes(tar_bytes({file("a/../../pwned")})); }, "'a/../../pwned'",
       "'..' path segment"},
      {"dot segment", [=] { return tar_bytes({file("./a")}); }, "'./a'", "has a '.' path segment"},
      {"empty segment", [=] { return tar_bytes({file("a//b")}); }, "'a//b'", "empty path segment"},
      {"control character", [=] { return tar_bytes({file("a\x1b[2Jb")}); }, "'a\\x1b[2Jb'", "control character"},
      {"backslash", [=] { return tar_bytes({file("..\\..\\pwned")}); }, "'..\\x5c..\\x5cpwned'", "backslash"},
      {"name over 4096 bytes", [=] { return tar_bytes({file(std::string(4097, 'n'))}); }, "'nnnn",
       "longer than 4096 bytes"},
      {"too deep", [=] { return tar_bytes({file(deep + "f")}); }, "'d/d/d/", "nested deeper than 128"},
      {"reserved temporary name", [=] { return tar_bytes({file(".xship-extract-abc/x")}); }, "'.xship-extract-abc/x'",
       "temporary directory"},
      {"hard link",
       [=] {
         return tar_bytes({file("a"), {"b", '1', "", "a"}});
       },
       "'b'", "is a hard link"},
      {"character device",
       [=] {
         return tar_bytes({{"tty", '3'}});
       },
       "'tty'", "device, FIFO or socket"},
      {"FIFO",
       [=] {
         return tar_bytes({{"fifo", '6'}});
       },
       "'fifo'", "device, FIFO or socket"},
      {"absolute symlink", [=] { return tar_bytes({link("passwd", "/etc/passwd")}); }, "'passwd'",
       "absolute symlink target"},
      {"symlink out", [=] { return tar_bytes({link("sub/up", "../../outside")}); }, "'sub/up'",
       "points outside the destination"},
      {"symlink out through a name", [=] { return tar_bytes({link("l", "sub/../..")}); }, "'l'",
       "'..' after a directory name"},
      {"symlink up a planted link", [=] { return tar_bytes({link("l", "evil/../..")}); }, "'l'",
       "'..' after a directory name"},
      {"entry through a symlink",
       [=] {
         return tar_bytes({link("a", "sub"), dir("sub"), file("a/x")});
       },
       "'a/x'", "lies below a symlink ('a')"},
      {"entry below a file",
       [=] {
         return tar_bytes({file("a"), file("a/x")});
       },
       "'a/x'", "lies below a file ('a')"},
      {"file where a directory was",
       [=] {
         return tar_bytes({file("a/x"), file("a")});
       },
       "'a'", "earlier entries lie below it"},
      {"duplicate",
       [=] {
         return tar_bytes({file("a", "1"), file("a", "2")});
       },
       "'a'", "in the archive twice"},
      {"duplicate directory",
       [=] {
         return tar_bytes({dir("d/"), dir("d")});
       },
       "'d'", "in the archive twice"},
      {"directory with data",
       [=] {
         return tar_bytes({{"d/", '5', "data"}});
       },
       "'d'", "is damaged"},
      {"too many entries",
       [=] {
         return tar_bytes({file("a"), file("b"), file("c")});
       },
       "'c'", "more than 2 entries", limits(1000, 2)},
      {"implied directories count", [=] { return tar_bytes({file("a/b/c")}); }, "'a/b/c'", "more than 2 entries",
       limits(1000, 2)},
      {"too many bytes",
       [=] {
         return tar_bytes({file("a", std::string(600, 'a')), file("b", std::string(600, 'b'))});
       },
       "'b'", "declares 600 bytes, more than the 400 left of the 1000-byte limit", limits(1000, 10)},
      {"zip read as a stream, lying size",
       [=] {
         return local_only(zip_bytes({{"bomb", std::string(8 << 20, '\0'), 0100644, 100}}));
       },
       "'bomb'", "holds more than the 100 bytes its header declares", limits(1 << 20, 10)},
      {"zip read as a stream, dot-dot",
       [=] {
         return local_only(zip_bytes({{"a/../../pwned", "x"}}));
       },
       "'a/../../pwned'", "'..'"},
      {"zip dot-dot",
       [=] {
         return zip_bytes({{"../pwned", "x"}});
       },
       "'../pwned'", "'..' path segment"},
      {"zip absolute symlink",
       [=] {
         return zip_bytes({{"l", "/etc/passwd", 0120777}});
       },
       "'l'", "absolute symlink target"},
      {"zip symlink then through it",
       [=] {
         return zip_bytes({{"l", "sub", 0120777}, {"l/x", "x"}});
       },
       "'l/x'", "lies below a symlink"},
      {"zip bomb, honest",
       [=] {
         return zip_bytes({{"bomb", std::string(64 << 20, '\0')}});
       },
       "'bomb'", "declares 67108864 bytes, more than the 1048576 left", limits(1 << 20, 10)},
      {"zip bomb, lying size",
       [=] {
         return zip_bytes({{"bomb", std::string(64 << 20, '\0'), 0100644, 100}});
       },
       "'bomb'", "holds more than the 100 bytes its header declares", limits(1 << 20, 10)},
      {"zip bomb after honest entries",
       [=] {
         return zip_bytes({{"a", std::string(600'000, 'a')}, {"b", std::string(64 << 20, '\0'), 0100644, 400'000}});
       },
       "'b'", "holds more than the 400000 bytes its header declares", limits(1 << 20, 10)},
  };
}

class ExtractHostile : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ExtractHostile, IsRefusedNamingTheEntryAndChangesNothing) {
  const Hostile h = hostile_archives()[GetParam()];
  ScratchDir s("hostile");
  fs::create_directories(s.path() / "dest/sub");
  fs::create_directories(s.path() / "outside");
  put(s / "dest/a", "earlier a\n");
  put(s / "dest/sub/inner", "inner\n");
  put(s / "outside/pwned", "untouched\n");
  fs::create_directory_symlink("../outside", s.path() / "dest/evil");
  put(s / "archive", h.archive());
  std::string before = snapshot(s.path());

  auto got = extract_archive(s / "archive", s / "dest", h.opts);
  ASSERT_FALSE(got) << h.what << ": extracted " << got->files.size() << " entries";
  const auto& msg = got.error().message;
  EXPECT_EQ(got.error().category, ErrorCategory::Integrity) << h.what << ": " << msg;
  EXPECT_NE(msg.find("entry " + h.entry), std::string::npos) << h.what << ": " << msg;
  EXPECT_NE(msg.find(h.says), std::string::npos) << h.what << ": " << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << h.what;
  EXPECT_LT(msg.size(), 400u) << h.what << ": " << msg;
  for (char c : msg) EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) << h.what << ": " << msg;
  EXPECT_EQ(snapshot(s.path()), before) << h.what;
  EXPECT_FALSE(fs::exists("/tmp/xship-pwned"));
}

INSTANTIATE_TEST_SUITE_P(Archives, ExtractHostile, ::testing::Range<std::size_t>(0, hostile_archives().size()),
                         [](const auto& info) {
                           std::string n = hostile_archives()[info.param].what;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(ExtractHostileFile, DamagedOrForeignArchivesAreIntegrityErrorsBadPathsUsageErrors) {
  ScratchDir s("damaged");
  std::string tar = tar_bytes({file("a", std::string(5000, 'a')), file("b")});
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated tar", tar.substr(0, 3000)},
      {"truncated tar.gz", gzip_bytes(tar).substr(0, 40)},
      {"not an archive", "hello, I am text\n"},
      {"empty file", ""},
  };
  for (const auto& [what, bytes] : cases) {
    put(s / "archive", bytes);
    auto got = extract_archive(s / "archive", s / "dest", {});
    ASSERT_FALSE(got) << what;
    EXPECT_EQ(got.error().category, ErrorCategory::Integrity) << what << ": " << got.error().message;
    EXPECT_EQ(got.error().message.find('\n'), std::string::npos) << what;
    EXPECT_FALSE(fs::exists(s.path() / "dest")) << what;
  }
  auto missing = extract_archive(s / "nope", s / "dest", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().category, ErrorCategory::Usage);
  put(s / "archive", tar);
  put(s / "file", "not a directory");
  auto not_dir = extract_archive(s / "archive", s / "file", {});
  ASSERT_FALSE(not_dir);
  EXPECT_EQ(not_dir.error().category, ErrorCategory::Usage) << not_dir.error().message;
  EXPECT_EQ(get(s / "file"), "not a directory");
  auto no_parent = extract_archive(s / "archive", s / "no/such/dest", {});
  ASSERT_FALSE(no_parent);
  EXPECT_EQ(no_parent.error().category, ErrorCategory::Usage) << no_parent.error().message;
}

TEST(ExtractHostileFile, AnEntryIntoAPlantedSymlinkReplacesItAndWritesNothingOutside) {
  ScratchDir s("planted");
  fs::create_directories(s.path() / "dest");
  fs::create_directories(s.path() / "outside");
  fs::create_directory_symlink("../outside", s.path() / "dest/evil");
  fs::create_symlink("../outside/file", s.path() / "dest/f");
  put(s / "archive", tar_bytes({file("evil/pwned", "in dest\n"), file("f", "mine\n"), link("l", "evil/pwned")}));
  auto got = extract_archive(s / "archive", s / "dest", {});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(fs::is_empty(s.path() / "outside"));
  EXPECT_FALSE(fs::is_symlink(s.path() / "dest/evil"));
  EXPECT_FALSE(fs::is_symlink(s.path() / "dest/f"));
  EXPECT_EQ(get(s / "dest/l"), "in dest\n");
}

// pax records libarchive reads and skips count too: a tar.gz whose headers inflate far
// past the limit is stopped (libarchive caps one record at 1 MiB, not their number).
TEST(ExtractHostileFile, HeadersThatInflatePastTheLimitAreRefused) {
  ScratchDir s("pax-bomb");
  std::string tar;
  for (int i = 0; i < 24; ++i) {
    std::string pax = pax_record("comment", std::string(900 * 1000, 'c'));
    tar += tar_header("PaxHeader", 'x', pax.size(), "", 0644, 0);
    tar_data(tar, pax);
    tar += tar_header("f" + std::to_string(i), '0', 1, "", 0644, 0);
    tar_data(tar, "x");
  }
  tar.append(1024, '\0');
  put(s / "archive", gzip_bytes(tar));
  ExtractOptions o;
  o.max_total_bytes = 1 << 20;
  auto got = extract_archive(s / "archive", s / "dest", o);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().category, ErrorCategory::Integrity);
  EXPECT_NE(got.error().message.find("bytes of headers and data after "), std::string::npos) << got.error().message;
  EXPECT_FALSE(fs::exists(s.path() / "dest"));
  o.max_total_bytes = 64 << 20;
  auto fine = extract_archive(s / "archive", s / "dest", o);
  EXPECT_TRUE(fine) << fine.error().message;
}

// A write that fails half-way (here: a file size limit, as a full disk would) and an
// interrupt both leave the destination as it was.
TEST(ExtractHostileFile, AFailedWriteOrAnInterruptLeavesTheDestinationAsItWas) {
  ScratchDir s("efbig");
  fs::create_directories(s.path() / "dest");
  put(s / "dest/a", "earlier a\n");
  put(s / "archive", gzip_bytes(tar_bytes({file("a", "new a\n"), file("big", std::string(1 << 20, 'b'))})));
  std::string before = snapshot(s.path());
  auto got = [&] {
    testing_compress::FileSizeLimit limit(256 * 1024);
    return extract_archive(s / "archive", s / "dest", {});
  }();
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().category, ErrorCategory::Runtime);
  EXPECT_NE(got.error().message.find("'big'"), std::string::npos) << got.error().message;
  EXPECT_EQ(snapshot(s.path()), before);

  cancel_flag().store(true);
  auto stopped = extract_archive(s / "archive", s / "dest", {});
  cancel_flag().store(false);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().category, ErrorCategory::Interrupted);
  EXPECT_EQ(snapshot(s.path()), before);
}

// libarchive hands names over as C strings, so a NUL ends a zip name (a tar header's NUL
// always did): "ok\0/../../pwned" is extracted as "ok", and the part after the NUL is
// never seen, let alone used.
TEST(ExtractHostileFile, ANulEndsAZipNameWhereLibarchiveReadsIt) {
  ScratchDir s("nul");
  put(s / "archive", zip_bytes({{std::string("ok\0/../../pwned", 15), "x"}}));
  auto got = extract_archive(s / "archive", s / "dest", {});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->files, std::vector<std::string>{"ok"});
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(s.path()))
    paths.push_back(e.path().lexically_relative(s.path()).string());
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"archive", "dest", "dest/ok"}));
}

TEST(ExtractChecks, SymlinkTargetsStayBelowTheLinksDirectory) {
  struct Case {
    const char *link, *target;
    bool ok;
  };
  for (const auto& c : std::vector<Case>{{"a", ".", true},
                                         {"a", "b/c", true},
                                         {"x/a", "..", true},
                                         {"x/y/a", "../../b", true},
                                         {"a", "..", false},
                                         {"x/a", "../../b", false},
                                         {"x/a", "b/./c", false},
                                         {"x/a", "b/", false},
                                         {"x/a", "", false}})
    EXPECT_EQ(link_problem(c.link, c.target).empty(), c.ok) << c.link << " -> " << c.target;
  EXPECT_EQ(shown_name("a\x01\\b\xff"), "'a\\x01\\x5cb\\xff'");
}

}  // namespace
