// Presigned GET URLs against the S3 documentation's worked example (every stage) and
// against URLs botocore made at fixed times (tests/data/presign/botocore.json, written by
// generate_botocore.py there): AWS regional hosts, dotted buckets, custom endpoints with
// ports, path and virtual-hosted styles, awkward keys, session tokens. The time is passed
// in, so the fixed times stand in for a clock.
#include "s3/presign.h"

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace xship;
using Clock = std::chrono::system_clock;
using std::chrono::seconds;
namespace fs = std::filesystem;

namespace {

const fs::path kPresignData = fs::path(XSHIP_TEST_DATA_DIR) / "presign";

nlohmann::json load(const fs::path& p) {
  std::ifstream in(p);
  EXPECT_TRUE(in) << "cannot read " << p;
  return nlohmann::json::parse(in);
}

// "2024-02-29T23:59:59Z" or "20240229T235959Z".
Clock::time_point utc(std::string text) {
  std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
  std::tm tm{};
  std::istringstream(text) >> std::get_time(&tm, "%Y%m%dT%H%M%SZ");
  return Clock::from_time_t(timegm(&tm));
}

Addressing addressing_of(const std::string& name) {
  return name == "path" ? Addressing::Path : name == "virtual" ? Addressing::VirtualHost : Addressing::Auto;
}

Credentials keys(const nlohmann::json& c, const std::string& token = "") {
  return {c["access_key"], c["secret_key"], token, "test", std::nullopt};
}

const ObjectUrl kRig = object_url({"http", "127.0.0.1", 7480, false}, "b", "k", Addressing::Auto);

}  // namespace

TEST(PresignS3Doc, EveryStageAndTheUrlMatch) {
  const auto j = load(kPresignData / "s3-doc-example.json");
  auto ep = parse_endpoint(j["endpoint"].get<std::string>(), j["region"].get<std::string>());
  ASSERT_TRUE(ep.ok());
  const auto where = object_url(*ep, j["bucket"].get<std::string>(), j["key"].get<std::string>(), Addressing::Auto);
  auto r = presign_get(where, keys(j["credentials"]), utc(j["time"]), {j["region"], "s3"}, seconds(j["expires"]));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& e = j["expected"];
  EXPECT_EQ(r->canonical_request, e["canonical_request"]);
  EXPECT_EQ(r->string_to_sign, e["string_to_sign"]);
  EXPECT_EQ(r->url, e["url"]);
  EXPECT_TRUE(r->url.ends_with("&X-Amz-Signature=" + e["signature"].get<std::string>()));
}

class PresignBotocore : public ::testing::TestWithParam<int> {};

TEST_P(PresignBotocore, SameUrlByteForByte) {
  const auto all = load(kPresignData / "botocore.json");
  const auto& c = all["cases"][GetParam()];
  SCOPED_TRACE(c["name"].get<std::string>());
  auto ep = parse_endpoint(c["endpoint"].get<std::string>(), c["region"].get<std::string>());
  ASSERT_TRUE(ep.ok()) << ep.error().message;
  const auto where =
      object_url(*ep, c["bucket"].get<std::string>(), c["key"].get<std::string>(), addressing_of(c["addressing"]));
  auto r = presign_get(where, keys(all["credentials"], c["session_token"]), utc(c["time"]), {c["region"], "s3"},
                       seconds(c["expires"]));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->url, c["url"]);
}

// Every case in the file is run: the count is read from it.
INSTANTIATE_TEST_SUITE_P(Cases, PresignBotocore,
                         ::testing::Range(0, static_cast<int>(load(kPresignData / "botocore.json")["cases"].size())));

TEST(PresignBotocoreData, NineNamedCasesAtLeast) {
  std::set<std::string> names;
  const auto all = load(kPresignData / "botocore.json");
  for (const auto& c : all["cases"]) names.insert(c["name"].get<std::string>());
  EXPECT_GE(names.size(), 9u);
}

TEST(PresignExpiry, OneSecondToSevenDays) {
  const Credentials k{"AK", "SK", "", "test", std::nullopt};
  const auto t = utc("20261203T000000Z");
  for (long s : {1L, 3600L, 604800L}) EXPECT_TRUE(presign_get(kRig, k, t, {"us-east-1", "s3"}, seconds(s)).ok()) << s;
  for (long s : {0L, -1L, 604801L, 31536000L}) {
    auto r = presign_get(kRig, k, t, {"us-east-1", "s3"}, seconds(s));
    ASSERT_FALSE(r.ok()) << s;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find("7 days (604800 s)"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(std::to_string(s) + " s"), std::string::npos) << r.error().message;
  }
}

TEST(PresignClock, DateAndScopeFollowTheTimeGivenAndTheSignatureChanges) {
  const Credentials k{"AK", "SK", "", "test", std::nullopt};
  const auto before = presign_get(kRig, k, utc("20261203T235959Z"), {"us-east-1", "s3"}, seconds(60));
  const auto after = presign_get(kRig, k, utc("20261204T000000Z"), {"us-east-1", "s3"}, seconds(60));
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(
      before->url.find("X-Amz-Credential=AK%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T235959Z"),
      std::string::npos)
      << before->url;
  EXPECT_NE(after->url.find("%2F20261204%2F"), std::string::npos) << after->url;
  EXPECT_NE(before->url.substr(before->url.find("X-Amz-Signature=")),
            after->url.substr(after->url.find("X-Amz-Signature=")));
}

TEST(PresignToken, SignedAndInTheUrlOnlyWhenThereIsOne) {
  const auto t = utc("20261203T000000Z");
  auto with = presign_get(kRig, {"AK", "SK", "to/k+n=", "test", std::nullopt}, t, {"us-east-1", "s3"}, seconds(60));
  auto without = presign_get(kRig, {"AK", "SK", "", "test", std::nullopt}, t, {"us-east-1", "s3"}, seconds(60));
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_NE(with->url.find("&X-Amz-Security-Token=to%2Fk%2Bn%3D&X-Amz-Signature="), std::string::npos) << with->url;
  EXPECT_NE(with->canonical_request.find("&X-Amz-Security-Token=to%2Fk%2Bn%3D&"), std::string::npos);
  EXPECT_EQ(without->url.find("Security-Token"), std::string::npos);
  // The secret never travels: only what it signed.
  EXPECT_EQ(with->url.find("SK"), std::string::npos);
  EXPECT_TRUE(with->url.starts_with("http://127.0.0.1:7480/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
}
