// Credential, region and endpoint precedence with an injected environment and temp files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "s3/credentials.h"
#include "scratch_dir.h"

using namespace xship;
namespace fs = std::filesystem;

namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// A fresh HOME per test, removed afterwards.
class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = scratch_.str();
    fs::create_directories(fs::path(home_) / ".aws");
  }

  void write(const std::string& rel, const std::string& text) { std::ofstream(fs::path(home_) / rel) << text; }
  Env env(Env extra = {}) {
    extra.emplace("HOME", home_);
    return extra;
  }

  ScratchDir scratch_{"cred"};
  std::string home_;
};

const Env kArtifacts = {{"ARTIFACTS_KEY", "AKART"}, {"ARTIFACTS_SECRET", "sekrit-art"}};
const Env kAws = {{"AWS_ACCESS_KEY_ID", "AKAWS"}, {"AWS_SECRET_ACCESS_KEY", "sekrit-aws"}};
const char* kCredsFile =
    "[default]\naws_access_key_id = AKFILE\naws_secret_access_key = sekrit-file\n"
    "[other]\naws_access_key_id=AKOTHER\naws_secret_access_key=sekrit-other\naws_session_token=tok-other\n";

// The keys a plan starts from when they are given outright (flags, variables, files).
const Credentials& keys(const ResolvedConfig& r) {
  EXPECT_TRUE(std::holds_alternative<Credentials>(r.plan.base));
  EXPECT_TRUE(r.plan.roles.empty());
  static const Credentials none;
  auto* c = std::get_if<Credentials>(&r.plan.base);
  return c ? *c : none;
}

Env merge(std::initializer_list<Env> parts) {
  Env out;
  for (const auto& p : parts) out.insert(p.begin(), p.end());
  return out;
}

}  // namespace

TEST_F(CredentialsTest, PrecedenceTable) {
  write(".aws/credentials", kCredsFile);
  struct Case {
    const char* name;
    CredentialFlags flags;
    Env env;
    std::string key, secret, token, source;
  };
  const CredentialFlags with_keys{"AKFLAG", "sekrit-flag", "tok-flag", "", "", ""};
  const std::vector<Case> cases = {
      {"flags beat everything", with_keys, merge({kArtifacts, kAws}), "AKFLAG", "sekrit-flag", "tok-flag",
       "--access-key/--secret-key"},
      {"ARTIFACTS beat AWS",
       {},
       merge({kArtifacts, kAws}),
       "AKART",
       "sekrit-art",
       "",
       "ARTIFACTS_KEY/ARTIFACTS_SECRET"},
      {"travis long aliases",
       {},
       {{"ARTIFACTS_AWS_ACCESS_KEY", "AKALIAS"}, {"ARTIFACTS_AWS_SECRET_KEY", "sekrit-alias"}},
       "AKALIAS",
       "sekrit-alias",
       "",
       "ARTIFACTS_AWS_ACCESS_KEY/ARTIFACTS_AWS_SECRET_KEY"},
      {"AWS env beats files",
       {},
       merge({kAws, {{"AWS_SESSION_TOKEN", "tok-aws"}}}),
       "AKAWS",
       "sekrit-aws",
       "tok-aws",
       "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"},
      {"empty variables count as unset",
       {},
       {{"ARTIFACTS_KEY", ""}, {"ARTIFACTS_SECRET", ""}},
       "AKFILE",
       "sekrit-file",
       "",
       ""},
      {"default profile from file", {}, {}, "AKFILE", "sekrit-file", "", ""},
      {"AWS_PROFILE picks a section", {}, {{"AWS_PROFILE", "other"}}, "AKOTHER", "sekrit-other", "tok-other", ""},
      {"--profile beats AWS_PROFILE",
       {"", "", "", "", "other", ""},
       {{"AWS_PROFILE", "nope"}},
       "AKOTHER",
       "sekrit-other",
       "tok-other",
       ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = resolve_config(c.flags, lookup(env(c.env)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(keys(*r).access_key, c.key);
    EXPECT_EQ(keys(*r).secret_key, c.secret);
    EXPECT_EQ(keys(*r).session_token, c.token);
    if (!c.source.empty())
      EXPECT_EQ(keys(*r).source, c.source);
    else
      EXPECT_NE(keys(*r).source.find(home_ + "/.aws/credentials"), std::string::npos);
  }
}

TEST_F(CredentialsTest, SharedCredentialsFileVariableAndConfigFileDialect) {
  // The credentials file named by the variable wins over ~/.aws/credentials.
  write(".aws/credentials", kCredsFile);
  write("elsewhere",
        "# comment\n; another\n  [ default ]  \n aws_access_key_id = AKELSE  ; trailing\n"
        "AWS_SECRET_ACCESS_KEY=sekrit-else\r\n");
  auto r = resolve_config({}, lookup(env({{"AWS_SHARED_CREDENTIALS_FILE", home_ + "/elsewhere"}})));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(keys(*r).access_key, "AKELSE");
  EXPECT_EQ(keys(*r).secret_key, "sekrit-else");

  // Keys in the config file, under "[profile NAME]"; a bare "[NAME]" there is not a profile.
  fs::remove(fs::path(home_) / ".aws/credentials");
  write(".aws/config",
        "[ci]\naws_access_key_id = AKWRONG\naws_secret_access_key = wrong\n"
        "[profile ci]\nregion = eu-west-1\ns3 =\n  endpoint_url = http://nested.invalid\n"
        "aws_access_key_id = AKCONF\naws_secret_access_key = sekrit-conf\n");
  r = resolve_config({}, lookup(env({{"AWS_PROFILE", "ci"}})));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(keys(*r).access_key, "AKCONF");
  EXPECT_EQ(r->region, "eu-west-1");
  EXPECT_EQ(r->endpoint, "");  // the nested s3 block is not a top-level endpoint_url
}

TEST_F(CredentialsTest, KeyWithoutSecretNamesTheSourceNotTheValue) {
  write(".aws/credentials", "[default]\naws_access_key_id = AKHALF\n");
  struct Case {
    CredentialFlags flags;
    Env env;
    std::string must_name;
  };
  const std::vector<Case> cases = {
      {{"AKHALF", "", "", "", "", ""}, kAws, "--secret-key"},
      {{}, {{"ARTIFACTS_KEY", "AKHALF"}, {"AWS_SECRET_ACCESS_KEY", "x"}}, "ARTIFACTS_SECRET"},
      {{}, {{"ARTIFACTS_SECRET", "sekrit-half"}}, "ARTIFACTS_KEY"},
      {{}, {{"AWS_ACCESS_KEY_ID", "AKHALF"}}, "AWS_SECRET_ACCESS_KEY"},
      {{}, {{"AWS_SECRET_ACCESS_KEY", "sekrit-half"}}, "AWS_ACCESS_KEY_ID"},
      {{}, {}, home_ + "/.aws/credentials"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.must_name);
    auto r = resolve_config(c.flags, lookup(env(c.env)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Credentials);
    EXPECT_NE(r.error().message.find(c.must_name), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("sekrit"), std::string::npos) << r.error().message;
  }
}

TEST_F(CredentialsTest, NoneAtAllListsEverySourceInOrder) {
  auto r =
      resolve_config({}, lookup(env({{"AWS_CONFIG_FILE", home_ + "/cfg"}, {"AWS_EC2_METADATA_DISABLED", "true"}})));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Credentials);
  const std::string& m = r.error().message;
  std::size_t last = 0;
  for (const std::string& s :
       {std::string("--access-key"), std::string("ARTIFACTS_KEY"), std::string("ARTIFACTS_SECRET"),
        std::string("ARTIFACTS_AWS_ACCESS_KEY"), std::string("AWS_ACCESS_KEY_ID"), std::string("AWS_SECRET_ACCESS_KEY"),
        std::string("'default'"), home_ + "/.aws/credentials", home_ + "/cfg", std::string("credential_process"),
        std::string("AWS_WEB_IDENTITY_TOKEN_FILE"), std::string("GitHub Actions OIDC"),
        std::string("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), std::string("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        std::string("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)")}) {
    std::size_t at = m.find(s, last);
    EXPECT_NE(at, std::string::npos) << "missing (or out of order) " << s << " in: " << m;
    if (at != std::string::npos) last = at;
  }
  EXPECT_EQ(m.find('\n'), std::string::npos);

  // Without HOME the messages still show the conventional place.
  r = resolve_config({}, lookup({{"AWS_EC2_METADATA_DISABLED", "TRUE"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("~/.aws/credentials"), std::string::npos) << r.error().message;

  // With nothing configured and instance metadata allowed, the plan is to ask it, and a
  // fetch that finds nothing there reports the same list (credential_chain_test.cpp).
  r = resolve_config({}, lookup(env({{"AWS_EC2_METADATA_DISABLED", "false"}})));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(std::holds_alternative<ImdsSpec>(r->plan.base));
  EXPECT_EQ(std::get<ImdsSpec>(r->plan.base).endpoint, "http://169.254.169.254");
  EXPECT_FALSE(std::get<ImdsSpec>(r->plan.base).allow_v1);
  EXPECT_EQ(r->plan.tried.size(), 8u);
}

TEST_F(CredentialsTest, SecretNeverInAnyErrorEvenFromBrokenFiles) {
  write(".aws/credentials", "[default]\nsekrit-garbage-line\naws_secret_access_key = sekrit-file\n");
  auto r = resolve_config({}, lookup(env()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("sekrit"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("aws_access_key_id"), std::string::npos) << r.error().message;
}

TEST_F(CredentialsTest, RegionPrecedence) {
  write(".aws/config", "[default]\nregion = ap-south-1\n");
  struct Case {
    std::string flag;
    Env env;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"eu-north-1", {{"ARTIFACTS_REGION", "a"}, {"AWS_REGION", "b"}}, "eu-north-1"},
      {"", {{"ARTIFACTS_REGION", "a"}, {"ARTIFACTS_S3_REGION", "a2"}, {"AWS_REGION", "b"}}, "a"},
      {"", {{"ARTIFACTS_S3_REGION", "a2"}, {"AWS_REGION", "b"}}, "a2"},
      {"", {{"AWS_REGION", "b"}, {"AWS_DEFAULT_REGION", "c"}}, "b"},
      {"", {{"AWS_DEFAULT_REGION", "c"}}, "c"},
      {"", {}, "ap-south-1"},
      {"", {{"AWS_CONFIG_FILE", home_ + "/missing"}}, "us-east-1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    Env e = merge({kAws, c.env});
    CredentialFlags f;
    f.region = c.flag;
    auto r = resolve_config(f, lookup(env(e)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->region, c.want);
  }
}

TEST_F(CredentialsTest, EndpointPrecedence) {
  write(".aws/config",
        "[default]\nendpoint_url = http://from-config:9000\n"
        "[profile rig]\nendpoint_url = http://rig:8000  # the rig\n");
  struct Case {
    std::string flag;
    Env env;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"http://flag:1", {{"AWS_ENDPOINT_URL", "http://env:2"}}, "http://flag:1"},
      {"", {{"AWS_ENDPOINT_URL", "http://env:2"}}, "http://env:2"},
      {"", {{"AWS_ENDPOINT_URL", "http://env:2"}, {"AWS_ENDPOINT_URL_S3", "http://s3env:3"}}, "http://s3env:3"},
      {"", {}, "http://from-config:9000"},
      {"", {{"AWS_PROFILE", "rig"}}, "http://rig:8000"},
      {"", {{"AWS_PROFILE", "nosuch"}}, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.want);
    CredentialFlags f;
    f.endpoint = c.flag;
    auto r = resolve_config(f, lookup(env(merge({kAws, c.env}))));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->endpoint, c.want);
  }
}

TEST(CredentialsProcessEnv, ReadsTheRealEnvironment) {
  setenv("XSHIP_CRED_TEST_VAR", "value-1", 1);
  auto env = process_env();
  EXPECT_EQ(env("XSHIP_CRED_TEST_VAR"), std::optional<std::string>("value-1"));
  unsetenv("XSHIP_CRED_TEST_VAR");
  EXPECT_EQ(env("XSHIP_CRED_TEST_VAR"), std::nullopt);
}
