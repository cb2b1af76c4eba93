// Local files a download or compress touches: manifest names that could land outside
// DIR or on SHA256SUMS are refused, SHA256SUMS is replaced rather than written through a
// planted link, and a FIFO is refused instead of blocking in open().
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "compress/output.h"
#include "fetch/fetch.h"
#include "scratch_dir.h"

using namespace xship;
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(FetchNames, PlainRelativeNamesPass) {
  for (const char* name :
       {"hello.linux.arm64", "pkg/hello-1.0.tar.gz", "caf\xc3\xa9.txt", "SHA256SUMS.sig", "a/SHA256SUMS"})
    EXPECT_TRUE(fetch::check_entry_name(name, "rel").ok()) << name;
}

TEST(FetchNames, NamesThatLeaveDirOrHideAreIntegrityErrors) {
  const std::string bad[] = {"SHA256SUMS",  "../etc/passwd",
                             "/etc/passwd", "a/../../b",
                             "./a",         "a//b",
                             "a/",          "",
                             "two\nlines",  std::string("a.txt\0.evil", 11),
                             "esc\x1b[2J"};
  for (const auto& name : bad) {
    auto r = fetch::check_entry_name(name, "rel");
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity) << name;
    EXPECT_NE(r.error().message.find("the manifest names '"), std::string::npos) << r.error().message;
  }
}

TEST(FetchStreams, OneBigFileGetsTheWholeBudgetManyFilesSplitIt) {
  struct Case {
    int concurrency;
    std::size_t files;
    int streams;
  };
  for (auto c : {Case{8, 1, 8}, Case{8, 2, 4}, Case{8, 3, 2}, Case{8, 1000, 2}, Case{16, 3, 5}, Case{8, 0, 8},
                 Case{2, 1, 2}, Case{1, 1, 1}, Case{0, 5, 1}})
    EXPECT_EQ(xship::fetch::streams_per_file(c.concurrency, c.files), c.streams)
        << c.concurrency << " requests, " << c.files << " files";
}

TEST(FetchWriteFile, ReplacesALinkInsteadOfWritingThroughIt) {
  ScratchDir t("fetchfile");
  const std::string outside = t.write("outside.txt", "keep me\n");
  fs::create_directories(t.path() / "rel");
  fs::create_symlink(outside, t / "rel/SHA256SUMS");
  ASSERT_TRUE(fetch::write_file(t / "rel/SHA256SUMS", "abc  a.txt\n").ok());
  EXPECT_FALSE(fs::is_symlink(t / "rel/SHA256SUMS"));
  EXPECT_EQ(slurp(t / "rel/SHA256SUMS"), "abc  a.txt\n");
  EXPECT_EQ(slurp(outside), "keep me\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(t / "rel"), fs::directory_iterator{}), 1);  // no temporary left
}

TEST(CompressInput, FifoIsRefusedWithoutBlocking) {
  ScratchDir t("fifo");
  ASSERT_EQ(mkfifo((t / "pipe").c_str(), 0644), 0);
  auto in = compress::open_input(t / "pipe");  // would wait for a writer forever without O_NONBLOCK
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().category, ErrorCategory::Usage);
  EXPECT_NE(in.error().message.find("not a regular file"), std::string::npos) << in.error().message;
  auto file = compress::open_input(t.write("f", "data"));
  ASSERT_TRUE(file.ok()) << file.error().message;
  char buf[8];
  EXPECT_EQ(read((*file)->fd.get(), buf, sizeof buf), 4);  // blocking again, reads as usual
}
