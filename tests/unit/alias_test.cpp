// Where `publish --alias` puts a release's mirror (publish/alias.h): beside the release,
// or at an s3:// prefix; and the aliases refused before anything runs.
#include <gtest/gtest.h>

#include "publish/alias.h"

using namespace xship;
using namespace xship::publish;

TEST(Alias, ANameIsTheReleasesSibling) {
  auto a = resolve_alias("latest", {"bkt", "app/releases/v1.2"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->bucket, "bkt");
  EXPECT_EQ(a->key, "app/releases/latest/");
  EXPECT_EQ(resolve_alias("latest/", {"bkt", "app/releases/v1.2/"})->key, "app/releases/latest/");
  EXPECT_EQ(resolve_alias("channels/beta", {"bkt", "r/v3"})->key, "r/channels/beta/");
  EXPECT_EQ(resolve_alias("latest", {"bkt", "v1"})->key, "latest/");  // a release at the top level
}

TEST(Alias, AnS3UrlIsTakenAsGiven) {
  auto a = resolve_alias("s3://other/pub/latest", {"bkt", "r/v1"});
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->bucket, "other");
  EXPECT_EQ(a->key, "pub/latest/");
}

TEST(Alias, TheReleaseItselfOrANestingIsRefused) {
  for (const char* bad : {"v1", "s3://bkt/r/v1/", "s3://bkt/r/", "s3://bkt/r/v1/latest"}) {
    auto a = resolve_alias(bad, {"bkt", "r/v1"});
    ASSERT_FALSE(a) << bad;
    EXPECT_EQ(a.error().category, ErrorCategory::Usage);
  }
  EXPECT_TRUE(resolve_alias("s3://cee/r/v1/", {"bkt", "r/v1"}));  // another bucket
  EXPECT_TRUE(resolve_alias("v10", {"bkt", "r/v1"}));  // a prefix of the name is not a folder
  auto top = resolve_alias("latest", {"bkt", ""});
  ASSERT_FALSE(top);
  EXPECT_NE(top.error().message.find("s3://BUCKET/PREFIX"), std::string::npos);
}

TEST(Alias, BadTextIsAUsageError) {
  for (const char* bad :
       {"", "/latest", "a//b", "../latest", "a/./b", "s3://bkt", "s3://bkt/", "s3://", "s3://bkt/x/../y"}) {
    auto s = check_alias_text(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().category, ErrorCategory::Usage) << bad;
  }
  EXPECT_TRUE(check_alias_text("latest"));
  EXPECT_TRUE(check_alias_text("latest-{branch}"));
  EXPECT_TRUE(check_alias_text("s3://bkt/pub/latest/"));
}
