// The whole credential chain: which source answers when several are configured (each over
// the next), what each fetch sends (with a stand-in transport: no packet leaves this
// process), credential_process run for real, and renewal of a 15-minute session under a
// fake clock. Secrets never reach an error or the debug log.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "s3/credential_fetch.h"
#include "s3/credential_json.h"
#include "s3/credential_provider.h"
#include "s3/credentials.h"
#include "scratch_dir.h"

using namespace xship;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using Env = std::map<std::string, std::string>;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1714564800);  // 2024-05-01T12:00:00Z
const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY";
const std::string kToken = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
const std::string kJwt = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJzdHMifQ.c2lnbmF0dXJlLXNlY3JldA";

EnvLookup lookup(const Env& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

std::string json_reply(const std::string& key, const std::string& token_field, TimePoint exp) {
  return R"({"Code": "Success", "AccessKeyId": ")" + key + R"(", "SecretAccessKey": ")" + kSecret + R"(", ")" +
         token_field + R"(": ")" + kToken + R"(", "Expiration": ")" + format_iso8601(exp) + "\"}";
}

std::string sts_reply(const std::string& action, const std::string& key) {
  return "<" + action + "Response><" + action + "Result><Credentials><AccessKeyId>" + key +
         "</AccessKeyId><SecretAccessKey>" + kSecret + "</SecretAccessKey><SessionToken>" + kToken +
         "</SessionToken><Expiration>2024-05-01T13:00:00Z</Expiration></Credentials></" + action + "Result></" +
         action + "Response>";
}

// A stand-in for the network: answers by "METHOD URL", records every request.
struct FakeNet {
  struct Seen {
    std::string method, url, body;
    std::vector<net::HttpHeader> headers;
    long timeout;
    std::string header(const std::string& name) const {
      for (const auto& h : headers)
        if (h.name == name) return h.value;
      return {};
    }
  };
  // By "METHOD URL", and for STS "POST URL ACTION"; absent: not reachable.
  std::map<std::string, std::pair<long, std::string>> replies;
  std::vector<Seen> seen;
  std::vector<std::string> log;

  CredentialIo io() {
    CredentialIo io;
    io.http = [this](const net::HttpRequest& r, const net::Timeouts& t) {
      seen.push_back(
          {std::string(net::method_name(r.method)), r.url, std::string(r.body), r.headers, t.deadline_seconds});
      net::HttpClient::Outcome out;
      std::string key = std::string(net::method_name(r.method)) + " " + r.url;
      if (r.body.rfind("Action=", 0) == 0) key += " " + std::string(r.body.substr(7, r.body.find('&') - 7));
      auto it = replies.find(key);
      if (it == replies.end()) {
        out.failure.message = "Connection refused";
        return out;
      }
      out.transport_ok = true;
      out.response.status = it->second.first;
      out.response.body = it->second.second;
      return out;
    };
    io.now = [] { return kNow; };
    io.debug_log = [this](const std::string& line) { log.push_back(line); };
    return io;
  }
  void expect_no_secret_logged() const {
    for (const auto& line : log)
      for (const auto& s : {kSecret, kToken, kJwt, std::string("gh-request-token")})
        EXPECT_EQ(line.find(s), std::string::npos) << line;
  }
};

class ChainTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(fs::path(home_) / ".aws"); }
  Env env(Env extra = {}) {
    extra.emplace("HOME", home_);
    return extra;
  }
  Result<ResolvedConfig> resolve(const Env& e) { return resolve_config({}, lookup(env(e))); }

  ScratchDir scratch_{"chain"};
  std::string home_ = scratch_.str();
};

std::string base_kind(const CredentialPlan& p) {
  static const char* names[] = {"keys", "process", "web", "container", "imds"};
  return names[p.base.index()];
}

}  // namespace

TEST_F(ChainTest, EachSourceBeatsTheNext) {
  scratch_.write(".aws/config",
                 "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = keys\n"
                 "[profile keys]\naws_access_key_id = AKKEYS\naws_secret_access_key = s\ncredential_process = /bin/x\n"
                 "[profile proc]\ncredential_process = /bin/x\n"
                 "web_identity_token_file = /t\nrole_arn = arn:aws:iam::123456789012:role/w\n"
                 "[profile webp]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::123456789012:role/w\n");
  const Env web = {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/e"}};
  const Env gh = {{"AWS_ROLE_ARN", "arn:aws:iam::1:role/e"},
                  {"ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:1/token?x=1"},
                  {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"}};
  const Env rel = {{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"}};
  const Env full = {{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"}};
  auto with = [](Env a, const Env& b) {
    a.insert(b.begin(), b.end());
    return a;
  };
  struct Case {
    const char* name;
    Env env;
    std::string kind, detail;
  };
  const std::vector<Case> cases = {
      {"AWS variables beat a role profile",
       with({{"AWS_PROFILE", "role"}, {"AWS_ACCESS_KEY_ID", "AKENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}}, web), "keys",
       "AKENV"},
      {"a role profile beats web identity", with({{"AWS_PROFILE", "role"}}, web), "keys", "role"},
      {"profile keys beat its credential_process", with({{"AWS_PROFILE", "keys"}}, web), "keys", "AKKEYS"},
      {"credential_process beats web identity", with({{"AWS_PROFILE", "proc"}}, web), "process", "proc"},
      {"a token file beats GitHub OIDC", with(with({{"AWS_PROFILE", "webp"}}, gh), web), "web",
       "AWS_WEB_IDENTITY_TOKEN_FILE"},
      {"GitHub OIDC beats the profile's token file", with({{"AWS_PROFILE", "webp"}}, gh), "web", "GitHub Actions OIDC"},
      {"the profile's token file beats containers", with({{"AWS_PROFILE", "webp"}}, rel), "web", "profile 'webp'"},
      {"the relative URI beats the full one", with(rel, full), "container", "http://169.254.170.2/v2/credentials/abc"},
      {"the full URI beats instance metadata", full, "container", "http://127.0.0.1:9/creds"},
      {"instance metadata last", {}, "imds", "http://169.254.169.254"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = resolve(c.env);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const CredentialPlan& p = r->plan;
    EXPECT_EQ(base_kind(p), c.kind);
    if (auto* k = std::get_if<Credentials>(&p.base)) {
      if (c.detail == "role") {
        ASSERT_EQ(p.roles.size(), 1u);
        EXPECT_EQ(p.roles[0].role_arn, "arn:aws:iam::123456789012:role/r");
        EXPECT_EQ(k->access_key, "AKKEYS");
      } else {
        EXPECT_EQ(k->access_key, c.detail);
      }
    }
    if (auto* w = std::get_if<WebIdentitySpec>(&p.base)) EXPECT_EQ(w->where, c.detail);
    if (auto* s = std::get_if<ProcessSpec>(&p.base)) EXPECT_EQ(s->profile, c.detail);
    if (auto* s = std::get_if<ContainerSpec>(&p.base)) EXPECT_EQ(s->url, c.detail);
    if (auto* s = std::get_if<ImdsSpec>(&p.base)) EXPECT_EQ(s->endpoint, c.detail);
    if (!std::holds_alternative<Credentials>(p.base) || !p.roles.empty())
      EXPECT_EQ(p.sts_endpoint, "https://sts.us-east-1.amazonaws.com");
  }
}

TEST_F(ChainTest, BadSettingsAreOneLineErrorsNamingTheSetting) {
  scratch_.write(
      ".aws/config",
      "[profile loop1]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = loop2\n"
      "[profile loop2]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = loop1\n"
      "[profile nosrc]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = ghost\n"
      "[profile badcs]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Magic\n"
      "[profile dur]\nrole_arn = arn:aws:iam::1:role/a\ncredential_source = Environment\nduration_seconds = 1h\n"
      "[profile arn]\nrole_arn = not-an-arn\ncredential_source = Environment\n"
      "[profile bare]\nrole_arn = arn:aws:iam::1:role/a\n"
      "[profile sso]\nsso_start_url = https://x.awsapps.com/start\n");
  struct Case {
    Env env;
    std::string must_name;
  };
  const std::vector<Case> cases = {
      {{{"AWS_PROFILE", "loop1"}}, "loop back"},
      {{{"AWS_PROFILE", "nosrc"}}, "source_profile 'ghost'"},
      {{{"AWS_PROFILE", "badcs"}}, "Environment, Ec2InstanceMetadata or EcsContainer"},
      {{{"AWS_PROFILE", "dur"}}, "duration_seconds"},
      {{{"AWS_PROFILE", "arn"}}, "not an ARN"},
      {{{"AWS_PROFILE", "bare"}}, "needs source_profile"},
      {{{"AWS_PROFILE", "sso"}}, "export-credentials"},
      {{{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}}, "AWS_ROLE_ARN"},
      {{{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds"}}, "use https"},
      {{{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x"}}, "starting with '/'"},
      {{{"AWS_ROLE_ARN", "arn:aws:iam::1:role/e"},
        {"ACTIONS_ID_TOKEN_REQUEST_URL", "http://github.example/t"},
        {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "gh-request-token"}},
       "use https"},
      {{{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "ftp://x"}}, "AWS_EC2_METADATA_SERVICE_ENDPOINT"},
      {{{"AWS_METADATA_SERVICE_TIMEOUT", "0"}}, "AWS_METADATA_SERVICE_TIMEOUT"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.must_name);
    auto r = resolve(c.env);
    ASSERT_FALSE(r.ok()) << "resolved to " << r->plan.base.index();
    EXPECT_EQ(r.error().category, ErrorCategory::Credentials);
    EXPECT_NE(r.error().message.find(c.must_name), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("gh-request-token"), std::string::npos) << r.error().message;
  }
}

TEST(ChainFetch, ImdsV2TokenThenRoleThenCredentialsWithShortTimeouts) {
  FakeNet net;
  const std::string ep = "http://127.0.0.1:1";
  net.replies["PUT " + ep + "/latest/api/token"] = {200, "imds-session-token-abc\n"};
  net.replies["GET " + ep + "/latest/meta-data/iam/security-credentials/"] = {200, "ci-runner-role\n"};
  net.replies["GET " + ep + "/latest/meta-data/iam/security-credentials/ci-runner-role"] = {
      200, json_reply("ASIAIMDS", "Token", kNow + 6h)};
  CredentialPlan plan;
  plan.base = ImdsSpec{ep, false, 1, 2};
  auto c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAIMDS");
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(*c->expiration, kNow + 6h);
  EXPECT_NE(c->source.find("IMDSv2, role ci-runner-role"), std::string::npos) << c->source;
  ASSERT_EQ(net.seen.size(), 3u);
  EXPECT_EQ(net.seen[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  for (const auto& s : net.seen) EXPECT_EQ(s.timeout, 1);
  EXPECT_EQ(net.seen[1].header("x-aws-ec2-metadata-token"), "imds-session-token-abc");
  EXPECT_EQ(net.seen[2].header("x-aws-ec2-metadata-token"), "imds-session-token-abc");
  net.expect_no_secret_logged();
}

TEST(ChainFetch, NoInstanceMetadataListsEverySourceAndNeverFallsBackToV1) {
  FakeNet net;  // nothing answers: not on EC2
  CredentialPlan plan;
  plan.base = ImdsSpec{"http://127.0.0.1:1", false, 1, 2};
  plan.tried = {"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", "container credentials"};
  plan.fix = "set the keys";
  auto c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().category, ErrorCategory::Credentials);
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("tried AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, container credentials, EC2 instance metadata at "
                   "http://127.0.0.1:1 (not reachable"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find(": set the keys"), std::string::npos) << m;
  EXPECT_EQ(net.seen.size(), 2u);  // the token request and one retry, nothing more

  // A token refused (IMDSv2 required off, a proxy in the way): no IMDSv1 unless asked.
  net.seen.clear();
  net.replies["PUT http://127.0.0.1:1/latest/api/token"] = {405, ""};
  net.replies["GET http://127.0.0.1:1/latest/meta-data/iam/security-credentials/"] = {200, "r"};
  net.replies["GET http://127.0.0.1:1/latest/meta-data/iam/security-credentials/r"] = {
      200, json_reply("ASIAV1", "Token", kNow + 1h)};
  c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("answered HTTP 405"), std::string::npos) << c.error().message;
  EXPECT_EQ(net.seen.size(), 1u);
  std::get<ImdsSpec>(plan.base).allow_v1 = true;
  c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_NE(c->source.find("IMDSv1"), std::string::npos);
}

TEST(ChainFetch, ContainerEndpointWithTokenFromFileReadAtEachFetch) {
  ScratchDir dir("ctr");
  const std::string tokfile = dir.write("token", "pod-identity-token-1\n");
  FakeNet net;
  net.replies["GET http://127.0.0.1:2/creds"] = {200, json_reply("ASIACTR", "Token", kNow + 1h)};
  CredentialPlan plan;
  plan.base = ContainerSpec{"http://127.0.0.1:2/creds", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "", tokfile};
  auto c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIACTR");
  EXPECT_EQ(net.seen.back().header("authorization"), "pod-identity-token-1");
  dir.write("token", "pod-identity-token-2");
  ASSERT_TRUE(fetch_credentials(plan, net.io()).ok());
  EXPECT_EQ(net.seen.back().header("authorization"), "pod-identity-token-2");

  net.replies["GET http://127.0.0.1:2/creds"] = {403, "{\"message\": \"pod-identity-token-2 is bad\"}"};
  c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("HTTP 403"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find("pod-identity-token"), std::string::npos) << c.error().message;
  net.expect_no_secret_logged();
}

TEST(ChainFetch, GithubOidcTokenThenWebIdentityThenAssumeRole) {
  FakeNet net;
  net.replies["GET http://127.0.0.1:3/token?api-version=2.0&audience=sts.amazonaws.com"] = {
      200, "{\"value\": \"" + kJwt + "\"}"};
  net.replies["POST http://127.0.0.1:4/ AssumeRoleWithWebIdentity"] = {
      200, sts_reply("AssumeRoleWithWebIdentity", "ASIAWEB")};
  CredentialPlan plan;
  WebIdentitySpec w;
  w.role_arn = "arn:aws:iam::123456789012:role/gh";
  w.github_request_url = "http://127.0.0.1:3/token?api-version=2.0";
  w.github_request_token = "gh-request-token";
  w.audience = "sts.amazonaws.com";
  w.where = "GitHub Actions OIDC";
  plan.base = w;
  plan.sts_endpoint = "http://127.0.0.1:4";
  plan.sts_region = "us-east-1";
  auto c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAWEB");
  ASSERT_EQ(net.seen.size(), 2u);
  EXPECT_EQ(net.seen[0].header("authorization"), "bearer gh-request-token");
  const std::string& form = net.seen[1].body;
  EXPECT_NE(form.find("Action=AssumeRoleWithWebIdentity"), std::string::npos) << form;
  EXPECT_NE(form.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fgh"), std::string::npos) << form;
  EXPECT_NE(form.find("WebIdentityToken=" + kJwt), std::string::npos) << form;
  EXPECT_NE(form.find("RoleSessionName=xship-1714564800"), std::string::npos) << form;
  EXPECT_EQ(net.seen[1].header("Authorization"), "");  // unsigned: the token is the proof

  // Then a role assumed with those, signed with them.
  plan.roles.push_back({"arn:aws:iam::123456789012:role/deploy", "ci", "ext-1", 900, "deploy"});
  net.replies["POST http://127.0.0.1:4/ AssumeRole"] = {200, sts_reply("AssumeRole", "ASIAROLE")};
  net.seen.clear();
  c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAROLE");
  ASSERT_EQ(net.seen.size(), 3u);
  const auto& ar = net.seen[2];
  EXPECT_NE(ar.body.find("Action=AssumeRole&"), std::string::npos) << ar.body;
  EXPECT_NE(ar.body.find("DurationSeconds=900"), std::string::npos) << ar.body;
  EXPECT_NE(ar.body.find("ExternalId=ext-1"), std::string::npos) << ar.body;
  EXPECT_NE(ar.body.find("RoleSessionName=ci"), std::string::npos) << ar.body;
  EXPECT_EQ(
      ar.header("Authorization").rfind("AWS4-HMAC-SHA256 Credential=ASIAWEB/20240501/us-east-1/sts/aws4_request", 0),
      0u)
      << ar.header("Authorization");
  EXPECT_EQ(ar.header("x-amz-security-token"), kToken);

  // STS refusing names the role and the fix, never the token.
  net.replies["POST http://127.0.0.1:4/ AssumeRoleWithWebIdentity"] = {
      400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad " + kJwt +
               "</Message></Error></ErrorResponse>"};
  c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("AssumeRoleWithWebIdentity arn:aws:iam::123456789012:role/gh"), std::string::npos)
      << c.error().message;
  EXPECT_EQ(c.error().message.find(kJwt), std::string::npos) << c.error().message;
  net.expect_no_secret_logged();
}

TEST(ChainFetch, CredentialProcessRunForRealWithoutAShell) {
  ScratchDir dir("proc");
  const std::string script =
      dir.write("my creds.sh",
                "#!/bin/sh\n"
                "[ \"$1\" = 'two words' ] || { echo \"bad args: $1\" >&2; exit 3; }\n"
                "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC\", \"SecretAccessKey\": \"%s\", "
                "\"SessionToken\": \"tok\", \"Expiration\": \"2024-05-01T12:15:00Z\"}' \"$2\"\n");
  fs::permissions(script, fs::perms::owner_all);
  FakeNet net;
  CredentialPlan plan;
  plan.base = ProcessSpec{"'" + script + "' \"two words\" " + kSecret + " ;rm", "ci"};
  auto c = fetch_credentials(plan, net.io());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAPROC");
  EXPECT_EQ(c->secret_key, kSecret);
  EXPECT_EQ(*c->expiration, kNow + 15min);

  plan.base = ProcessSpec{"'" + script + "' wrong " + kSecret, "ci"};
  c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().category, ErrorCategory::Credentials);
  EXPECT_NE(c.error().message.find("credential_process of profile 'ci' failed (exit code 3)"), std::string::npos)
      << c.error().message;
  EXPECT_EQ(c.error().message.find(kSecret), std::string::npos) << c.error().message;

  plan.base = ProcessSpec{"'unclosed " + kSecret, "ci"};
  c = fetch_credentials(plan, net.io());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("unclosed quote"), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find(kSecret), std::string::npos) << c.error().message;
  net.expect_no_secret_logged();
}

TEST(Renewal, AFifteenMinuteSessionOutlastedByAnUploadIsRenewedFiveMinutesEarly) {
  TimePoint now = kNow;
  int fetched = 0;
  std::vector<TimePoint> fetch_times;
  auto fetch = [&]() -> Result<Credentials> {
    ++fetched;
    fetch_times.push_back(now);
    Credentials c{"ASIA" + std::to_string(fetched), kSecret, kToken, "test", now + 15min};
    return c;
  };
  CredentialProvider p(fetch, [&] { return now; });
  // An upload signing a request every 20 s for 50 minutes never signs with credentials
  // that are expired or within a minute of expiring.
  for (; now < kNow + 50min; now += 20s) {
    auto c = p.get();
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_GT(*c->expiration - now, 4min);
  }
  ASSERT_EQ(fetched, 5);
  for (std::size_t i = 1; i < fetch_times.size(); ++i)
    EXPECT_EQ(fetch_times[i] - fetch_times[i - 1], 10min);  // 15 minutes less the 5 early
  EXPECT_EQ(renewal_time(kNow, kNow + 4min), kNow + 2min);  // short sessions: half-way
}

TEST(Renewal, AFailedEarlyRenewalKeepsTheOldOnesUntilTheyExpire) {
  TimePoint now = kNow;
  bool fail = false;
  int fetched = 0;
  std::vector<std::string> warnings;
  CredentialProvider p(
      [&]() -> Result<Credentials> {
        ++fetched;
        if (fail) return credentials_error("STS unreachable");
        return Credentials{"ASIA1", kSecret, kToken, "test", now + 15min};
      },
      [&] { return now; }, [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(p.get().ok());
  fail = true;
  now += 11min;  // due for renewal; it fails, the old ones still last 4 minutes
  auto c = p.get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key, "ASIA1");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("STS unreachable"), std::string::npos);
  EXPECT_EQ(warnings[0].find(kSecret), std::string::npos);
  const int before = fetched;
  now += 10s;  // not retried at every request
  ASSERT_TRUE(p.get().ok());
  EXPECT_EQ(fetched, before);
  now = kNow + 15min;  // expired: the error comes through
  c = p.get();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("STS unreachable"), std::string::npos);
  fail = false;
  ASSERT_TRUE(p.get().ok());

  // The server calling them expired forces a fetch even before the renewal time.
  const int n = fetched;
  p.expire();
  ASSERT_TRUE(p.get().ok());
  EXPECT_EQ(fetched, n + 1);
}
