// SOURCE_DATE_EPOCH's one parser (core) and the build stamp every command reads through it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/source_date_epoch.h"
#include "process/build_stamp.h"
#include "scratch_dir.h"

using namespace xship;

TEST(SourceDateEpoch, Valid) {
  EXPECT_EQ(*parse_source_date_epoch("0"), 0);
  EXPECT_EQ(*parse_source_date_epoch("1700000000"), 1700000000);
  EXPECT_EQ(*parse_source_date_epoch("0001"), 1);
  EXPECT_EQ(*parse_source_date_epoch("9223372036854775807"), INT64_MAX);
}

TEST(SourceDateEpoch, Rejected) {
  struct Case {
    std::string text, says;
  };
  for (const Case& c :
       {Case{"", "SOURCE_DATE_EPOCH is empty"}, Case{"soon", "SOURCE_DATE_EPOCH='soon' is not a number of seconds"},
        Case{"12abc", "SOURCE_DATE_EPOCH='12abc' is not a number of seconds"}, Case{"1.5", "'1.5' is not a number"},
        Case{" 1", "' 1' is not a number"}, Case{"1\n", "'1?' is not a number"},  // one line, whatever the value holds
        Case{"-1", "'-1' is not a number"}, Case{"+5", "'+5' is not a number"},
        Case{"9223372036854775808", "'9223372036854775808' is too large for a time"},
        Case{"99999999999999999999999", "is too large"}}) {
    auto r = parse_source_date_epoch(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage) << c.text;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("digits only, as `date +%s` prints them, or unset it"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
  }
}

TEST(BuildStamp, GivenValuesAskNoGit) {
  // Not a directory at all: any git call would leave the value unknown.
  auto s = process::read_build_stamp({"/nonexistent/xship", "v1.2.3", "abc123", "1700000000"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->version, "v1.2.3");
  EXPECT_EQ(s->commit, "abc123");
  EXPECT_EQ(s->epoch, 1700000000);
}

TEST(BuildStamp, BadEpochIsAnError) {
  auto s = process::read_build_stamp({"/nonexistent/xship", "v1", "abc", "yesterday"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().category, ErrorCategory::Usage);
  EXPECT_NE(s.error().message.find("SOURCE_DATE_EPOCH='yesterday'"), std::string::npos) << s.error().message;
}

TEST(BuildStamp, OutsideGitNothingIsKnown) {
  ScratchDir dir("stamp");
  process::StampRequest req;
  req.dir = dir.str();
  req.epoch = "";  // empty counts as unset
  auto s = process::read_build_stamp(req);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(s->version);
  EXPECT_FALSE(s->commit);
  EXPECT_FALSE(s->epoch);
}

TEST(BuildStamp, CommitTimeAndHashFromGit) {
  ScratchDir dir("stamp");
  std::string cmd = "cd '" + dir.str() +
                    "' && git init -q && GIT_COMMITTER_DATE=@1234567890 git -c user.name=t "
                    "-c user.email=t@t -c commit.gpgsign=false commit -q --allow-empty -m x && git tag v9";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  process::StampRequest req;
  req.dir = dir.str();
  auto s = process::read_build_stamp(req);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->epoch, 1234567890);
  EXPECT_EQ(s->version, "v9");
  ASSERT_TRUE(s->commit);
  EXPECT_EQ(s->commit->size(), 40u);

  req.epoch = "42";  // the environment wins over git
  req.need_version = false;
  s = process::read_build_stamp(req);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->epoch, 42);
  EXPECT_FALSE(s->version);
  EXPECT_TRUE(s->commit);
}
