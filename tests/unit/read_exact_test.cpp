#include "core/read_exact.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "core/unique_fd.h"
#include "scratch_dir.h"

namespace xship {
namespace {

class ReadExactTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"read-exact"};
  std::string content_ = "0123456789";
  UniqueFd fd_{open(dir_.write("f", content_).c_str(), O_RDONLY | O_CLOEXEC)};
};

TEST_F(ReadExactTest, FillsTheBufferFromTheOffset) {
  std::string got(5, '\0');
  ASSERT_TRUE(read_exact(fd_.get(), 3, std::span(got.data(), got.size())));
  EXPECT_EQ(got, "34567");
  std::string all(content_.size(), '\0');
  ASSERT_TRUE(read_exact(fd_.get(), 0, std::span(all.data(), all.size())));
  EXPECT_EQ(all, content_);
}

TEST_F(ReadExactTest, AnEmptyBufferNeedsNoByte) {
  char none = 'x';
  EXPECT_TRUE(read_exact(fd_.get(), 1000, std::span(&none, 0)));
  EXPECT_EQ(none, 'x');
}

TEST_F(ReadExactTest, AFileEndingEarlyIsEio) {
  std::string got(5, '\0');
  errno = 0;
  EXPECT_FALSE(read_exact(fd_.get(), 8, std::span(got.data(), got.size())));
  EXPECT_EQ(errno, EIO);
  errno = 0;
  EXPECT_FALSE(read_exact(fd_.get(), 10, std::span(got.data(), 1)));
  EXPECT_EQ(errno, EIO);
}

TEST_F(ReadExactTest, AnUnreadableDescriptorKeepsItsErrno) {
  UniqueFd write_only(open((dir_ / "f").c_str(), O_WRONLY | O_CLOEXEC));
  char c = 0;
  errno = 0;
  EXPECT_FALSE(read_exact(write_only.get(), 0, std::span(&c, 1)));
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace xship
