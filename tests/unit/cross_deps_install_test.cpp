// The pure parts of `xship deps`: reading dpkg-query's answer and the install line.
#include <gtest/gtest.h>

#include "cross/deps_install.h"

using namespace xship::cross;

TEST(DpkgSaysInstalled, HostArchitectureOrAllForAnUnqualifiedName) {
  EXPECT_TRUE(dpkg_says_installed("installed amd64\n", "zlib1g-dev", "amd64"));
  EXPECT_TRUE(dpkg_says_installed("installed all\n", "debian-archive-keyring", "amd64"));
  // zlib1g-dev for arm64 only: the host's own is still missing.
  EXPECT_FALSE(dpkg_says_installed("installed arm64\n", "zlib1g-dev", "amd64"));
  EXPECT_TRUE(dpkg_says_installed("not-installed amd64\ninstalled arm64\ninstalled amd64\n", "zlib1g-dev", "amd64"));
  EXPECT_FALSE(dpkg_says_installed("config-files amd64\n", "zlib1g-dev", "amd64"));
  EXPECT_FALSE(dpkg_says_installed("", "zlib1g-dev", "amd64"));
}

TEST(DpkgSaysInstalled, QualifiedNameTrustsDpkgsAnswer) {
  EXPECT_TRUE(dpkg_says_installed("installed arm64\n", "zlib1g-dev:arm64", "amd64"));
  EXPECT_FALSE(dpkg_says_installed("unpacked arm64\n", "zlib1g-dev:arm64", "amd64"));
}

TEST(MissingDeps, CountAndCommand) {
  MissingDeps m;
  EXPECT_EQ(m.count(), 0u);
  EXPECT_EQ(m.command(false), "");
  m.unpack["linux/arm"] = {"zlib1g-dev", "libzstd-dev"};
  EXPECT_EQ(m.count(), 2u);
  EXPECT_EQ(m.command(false), "");  // private sysroots have no apt line: --install fills them
  m.apt = {"g++-aarch64-linux-gnu", "zlib1g-dev:arm64"};
  m.new_arches = {"arm64"};
  EXPECT_EQ(m.count(), 4u);
  EXPECT_EQ(m.command(false),
            "sudo dpkg --add-architecture arm64 && sudo apt-get update && "
            "sudo apt-get install -y --no-install-recommends g++-aarch64-linux-gnu zlib1g-dev:arm64");
  EXPECT_EQ(m.command(true).find("sudo"), std::string::npos);
}
