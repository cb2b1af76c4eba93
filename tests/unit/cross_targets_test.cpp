// The target matrix: names, parsing, "did you mean", lists, and the table's facts.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/closest.h"
#include "cross/targets.h"

using namespace xship;
using namespace xship::cross;

TEST(CrossTargets, ParsesEveryNameInTheTable) {
  ASSERT_EQ(all_targets().size(), 13u);
  std::set<std::string> names, slugs;
  for (const auto& info : all_targets()) {
    auto t = parse_target(info.target.name());
    ASSERT_TRUE(t.ok()) << info.target.name();
    EXPECT_EQ(*t, info.target);
    EXPECT_EQ(&target_info(*t), &info);
    names.insert(info.target.name());
    slugs.insert(info.target.slug());
  }
  EXPECT_EQ(names.size(), 13u);
  EXPECT_EQ(slugs.size(), 13u);
  EXPECT_EQ((Target{Os::Linux, Arch::I386}).name(), "linux/386");
  EXPECT_EQ((Target{Os::Windows, Arch::Amd64}).slug(), "windows_amd64");
}

TEST(CrossTargets, UnknownNameSuggestsTheClosestAndListsTheValid) {
  struct Case {
    const char* typed;
    const char* suggestion;
  };
  for (const Case& c :
       {Case{"linux/aarch64", "linux/arm64"}, Case{"linux/x86_64", "linux/amd64"}, Case{"macos/arm64", "darwin/arm64"},
        Case{"linx/arm64", "linux/arm64"}, Case{"linux-arm64", "linux/arm64"}, Case{"windows/x64", "windows/amd64"},
        Case{"linux/i686", "linux/386"}, Case{"linux/armhf", "linux/arm"}, Case{"linux/ppc64el", "linux/ppc64le"},
        Case{"Linux/ARM64", "linux/arm64"}}) {
    SCOPED_TRACE(c.typed);
    auto t = parse_target(c.typed);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.error().category, ErrorCategory::Usage);
    EXPECT_NE(t.error().message.find(std::string("did you mean '") + c.suggestion + "'"), std::string::npos)
        << t.error().message;
    EXPECT_NE(t.error().message.find("linux/s390x"), std::string::npos) << "lists the valid targets";
    EXPECT_EQ(t.error().message.find('\n'), std::string::npos) << "one line";
  }
  auto far = parse_target("plan9/sparc");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().message.find("did you mean"), std::string::npos) << far.error().message;
  EXPECT_NE(far.error().message.find("windows/amd64"), std::string::npos);
}

TEST(CrossTargets, ListsExpandDeduplicateAndExclude) {
  auto two = parse_target_list("linux/amd64, linux/arm64,linux/amd64");
  ASSERT_TRUE(two.ok()) << two.error().message;
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1], (Target{Os::Linux, Arch::Arm64}));

  auto linux_all = parse_target_list("linux/*", {"linux/riscv64"});
  ASSERT_TRUE(linux_all.ok());
  EXPECT_EQ(linux_all->size(), 6u);
  for (Target t : *linux_all) EXPECT_NE(t, (Target{Os::Linux, Arch::Riscv64}));

  auto host = parse_target_list("host,linux/arm64,linux/amd64");
  ASSERT_TRUE(host.ok()) << host.error().message;
  ASSERT_EQ(host->size(), 2u);  // host is linux/amd64 here, so the third entry is a duplicate
  EXPECT_EQ((*host)[0], host_target());

  auto all = parse_target_list("all");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 13u);

  auto bad = parse_target_list("linux/amd64,linux/arm46");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'linux/arm46'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("did you mean 'linux/arm64'"), std::string::npos);

  auto bad_exclude = parse_target_list("linux/*", {"linux/amd46"});
  ASSERT_FALSE(bad_exclude.ok());
  EXPECT_NE(bad_exclude.error().message.find("linux/amd64"), std::string::npos);

  auto empty = parse_target_list("linux/arm64", {"linux/arm64"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().category, ErrorCategory::Usage);
  EXPECT_FALSE(parse_target_list(" , ").ok());
  EXPECT_FALSE(parse_target_list("beos/*").ok());
}

TEST(CrossTargets, TableHoldsTheMeasuredFacts) {
  const auto& arm64 = target_info({Os::Linux, Arch::Arm64});
  EXPECT_STREQ(arm64.cc, "aarch64-linux-gnu-gcc");
  EXPECT_STREQ(arm64.packages, "g++-aarch64-linux-gnu");
  EXPECT_STREQ(arm64.emulator, "qemu-aarch64");
  EXPECT_STREQ(arm64.debian_arch, "arm64");
  EXPECT_EQ(arm64.machine, Machine::Aarch64);
  // The i686 compilers' multiarch directory is i386-linux-gnu.
  EXPECT_STREQ(target_info({Os::Linux, Arch::I386}).multiarch, "i386-linux-gnu");
  EXPECT_STREQ(target_info({Os::Linux, Arch::Ppc64le}).debian_arch, "ppc64el");
  // std::thread needs mingw's posix thread model.
  for (Arch a : {Arch::Amd64, Arch::I386}) {
    const auto& w = target_info({Os::Windows, a});
    EXPECT_TRUE(std::string(w.cxx).ends_with("-g++-posix")) << w.cxx;
    EXPECT_STREQ(w.exe_suffix(), ".exe");
    EXPECT_STREQ(w.emulator, "wine");
  }
  EXPECT_STREQ(target_info({Os::Windows, Arch::I386}).emulator_packages, "wine32:i386");
  for (Target t : {Target{Os::Darwin, Arch::Arm64}, Target{Os::Darwin, Arch::Amd64}, Target{Os::Windows, Arch::Arm64},
                   Target{Os::FreeBsd, Arch::Amd64}}) {
    const auto& info = target_info(t);
    EXPECT_EQ(info.cc, nullptr) << t.name() << " has no Debian compiler";
    EXPECT_EQ(info.emulator, nullptr) << t.name() << " cannot run here";
    EXPECT_NE(std::string(info.sdk_hint), "");
  }
  EXPECT_STREQ(target_info(host_target()).emulator, "");
  EXPECT_STREQ(target_info({Os::Linux, Arch::Amd64}).exe_suffix(), "");
}

TEST(CrossTargets, ClosestMatchHonoursTheDistanceLimit) {
  std::vector<std::string> names = {"build", "targets", "test"};
  EXPECT_EQ(closest_match("tset", names, 3).value_or(""), "test");
  EXPECT_EQ(closest_match("biuld", names, 3).value_or(""), "build");
  EXPECT_FALSE(closest_match("publish", names, 3).has_value());
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}
