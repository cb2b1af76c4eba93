// Build provenance: the in-toto statement's content, the CI run it names, and its DSSE
// envelope (the PAE from the DSSE spec's own example).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "digest/minisign.h"
#include "manifest_fixtures.h"
#include "release/provenance.h"
#include "release/signing.h"

using namespace xship;
using namespace xship::release;

namespace {

std::vector<ManifestEntry> release_files() {
  return {test::entry("hello.windows.amd64.exe", "MZ", "windows", "amd64"),
          test::entry("hello.linux.arm64", "ELF arm", "linux", "arm64"), test::entry("README.txt", "read me"),
          test::entry("tool.linux.arm64", "ELF tool", "linux", "arm64")};
}

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

ProvenanceFacts facts(int* asked = nullptr) {
  ProvenanceFacts f = provenance_facts(test::info(), env_of({{"SOURCE_DATE_EPOCH", "1700000000"}}));
  f.compiler_version = [asked](const cross::Target& t) {
    if (asked) ++*asked;
    return "cc for " + t.name();
  };
  return f;
}

}  // namespace

TEST(Provenance, StatementRecordsFilesBuildAndRun) {
  int asked = 0;
  auto text = provenance_statement(release_files(), test::info(), facts(&asked));
  EXPECT_EQ(asked, 2) << "one compiler question per target, not per file";
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(j["predicateType"], "https://slsa.dev/provenance/v1");
  ASSERT_EQ(j["subject"].size(), 4u);
  EXPECT_EQ(j["subject"][0]["name"], "README.txt") << "sorted by name";
  EXPECT_EQ(j["subject"][0]["digest"]["sha256"], digest::sha256_hex("read me"));
  const auto& def = j["predicate"]["buildDefinition"];
  EXPECT_EQ(def["externalParameters"]["commit"], test::info().commit);
  EXPECT_EQ(def["externalParameters"]["targets"], nlohmann::json({"linux/arm64", "windows/amd64"}));
  EXPECT_EQ(def["internalParameters"]["toolchains"]["linux/arm64"], "cc for linux/arm64");
  EXPECT_EQ(def["internalParameters"]["SOURCE_DATE_EPOCH"], "1700000000");
  EXPECT_EQ(def["internalParameters"]["xshipVersion"], XSHIP_VERSION_STRING);
  EXPECT_EQ(def["resolvedDependencies"][0]["uri"], "git+https://github.com/acme/widget");
  EXPECT_EQ(def["resolvedDependencies"][0]["digest"]["gitCommit"], test::info().commit);
  EXPECT_EQ(j["predicate"]["runDetails"]["builder"]["id"], "urn:xship:builder:local");
  EXPECT_FALSE(j["predicate"]["runDetails"].contains("metadata"));
  EXPECT_EQ(provenance_statement(release_files(), test::info(), facts()), text) << "deterministic";
  EXPECT_TRUE(check_subjects(text, release_files()));
  auto fewer = release_files();
  fewer.pop_back();
  EXPECT_FALSE(check_subjects(text, fewer));
  auto changed = release_files();
  changed[1].sha256 = digest::sha256_hex("other");
  auto r = check_subjects(text, changed);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
  EXPECT_NE(r.error().message.find("hello.linux.arm64"), std::string::npos);
  EXPECT_FALSE(check_subjects("{\"subject\": [{\"name\": 1}]}", release_files()));
  // Outside CI the host is unknown: no guessed repository URI.
  BuildInfo local = test::info();
  local.ci.clear();
  EXPECT_EQ(provenance_facts(local, env_of({})).source_uri, "");
  EXPECT_EQ(provenance_facts(local, env_of({{"CI_SERVER_URL", "https://gitlab.example.org"}})).source_uri,
            "git+https://gitlab.example.org/acme/widget");
}

TEST(Provenance, RunDetailsFromEachCi) {
  auto gh = run_details(env_of({{"GITHUB_ACTIONS", "true"},
                                {"GITHUB_SERVER_URL", "https://github.com"},
                                {"GITHUB_REPOSITORY", "acme/widget"},
                                {"GITHUB_RUN_ID", "42"},
                                {"GITHUB_RUN_ATTEMPT", "2"}}));
  EXPECT_EQ(gh.builder_id, "https://github.com/actions/runner");
  EXPECT_EQ(gh.invocation_id, "https://github.com/acme/widget/actions/runs/42/attempts/2");
  auto travis =
      run_details(env_of({{"TRAVIS", "true"}, {"TRAVIS_JOB_WEB_URL", "https://app.travis-ci.com/acme/widget/jobs/7"}}));
  EXPECT_EQ(travis.builder_id, "https://travis-ci.com");
  EXPECT_EQ(travis.invocation_id, "https://app.travis-ci.com/acme/widget/jobs/7");
  auto gitlab = run_details(env_of({{"GITLAB_CI", "true"},
                                    {"CI_SERVER_URL", "https://gitlab.example.org"},
                                    {"CI_JOB_URL", "https://gitlab.example.org/acme/widget/-/jobs/9"}}));
  EXPECT_EQ(gitlab.builder_id, "https://gitlab.example.org/gitlab-runner");
  EXPECT_EQ(gitlab.invocation_id, "https://gitlab.example.org/acme/widget/-/jobs/9");
  auto local = run_details(env_of({}));
  EXPECT_EQ(local.builder_id, "urn:xship:builder:local");
  EXPECT_EQ(local.invocation_id, "");
}

TEST(Provenance, DsseEnvelopeSignedAndChecked) {
  // The DSSE specification's example (protocol.md).
  EXPECT_EQ(dsse_pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  auto key = *minisign::generate_key();
  const std::string statement = provenance_statement(release_files(), test::info(), facts());
  const std::string env = dsse_envelope(statement, key);
  auto j = nlohmann::json::parse(env);
  EXPECT_EQ(j["payloadType"], "application/vnd.in-toto+json");
  EXPECT_EQ(j["signatures"][0]["keyid"], minisign::key_id_text(key.id));
  auto opened = dsse_open(env, key.public_key());
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, statement);

  auto other = *minisign::generate_key();
  auto wrong = dsse_open(env, other.public_key());
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().category, ErrorCategory::Integrity);
  // The payload swapped for another statement, the signature kept.
  auto forged = j;
  std::string other_statement = provenance_statement(release_files(), BuildInfo{}, facts());
  forged["payload"] =
      digest::base64(reinterpret_cast<const std::uint8_t*>(other_statement.data()), other_statement.size());
  EXPECT_FALSE(dsse_open(forged.dump(), key.public_key()));
  for (const char* junk : {"", "{}", "[1]",
                           "{\"payloadType\": \"application/vnd.in-toto+json\", \"payload\": \"!!\", "
                           "\"signatures\": []}"})
    EXPECT_FALSE(dsse_open(junk, key.public_key())) << junk;
}

TEST(Provenance, WrittenWithSignedReleasesOnly) {
  auto key = *minisign::generate_key();
  auto f = facts();
  auto unsigned_docs = *release_documents(release_files(), test::info(), nullptr, &f);
  EXPECT_EQ(unsigned_docs.size(), 2u);
  auto docs = *release_documents(release_files(), test::info(), &key, &f);
  std::vector<std::string> names;
  for (const auto& d : docs) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"SHA256SUMS", "SHA256SUMS.minisig", "provenance.intoto.json",
                                             "manifest.json.minisig", "manifest.json"}));
  auto statement = dsse_open(docs[2].bytes, key.public_key());
  ASSERT_TRUE(statement);
  EXPECT_TRUE(check_subjects(*statement, release_files()));
}

TEST(Provenance, RecordedBuildForARebuild) {
  auto b = recorded_build(provenance_statement(release_files(), test::info(), facts()));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->commit, test::info().commit);
  EXPECT_EQ(b->source_date_epoch, "1700000000");
  ASSERT_EQ(b->subjects.size(), 4u);
  EXPECT_EQ(b->subjects.at("README.txt"), digest::sha256_hex("read me"));
  auto edit = [&](auto change) {
    auto j = nlohmann::ordered_json::parse(provenance_statement(release_files(), test::info(), facts()));
    change(j);
    return recorded_build(j.dump());
  };
  const nlohmann::ordered_json::json_pointer def("/predicate/buildDefinition");
  for (auto bad :
       {std::string("abc"), std::string("--upload-pack=x"), test::info().commit.substr(1) + "g", std::string()}) {
    auto r = edit([&](auto& j) { j[def]["externalParameters"]["commit"] = bad; });
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
  }
  EXPECT_FALSE(edit([&](auto& j) { j[def]["internalParameters"]["SOURCE_DATE_EPOCH"] = "1; rm -rf /"; }));
  auto not_text = edit([&](auto& j) { j[def]["internalParameters"]["SOURCE_DATE_EPOCH"] = 5; });
  ASSERT_TRUE(not_text);
  EXPECT_EQ(not_text->source_date_epoch, "") << "only a string is an epoch";
  EXPECT_FALSE(edit([&](auto& j) { j.erase("predicate"); }));
  EXPECT_FALSE(recorded_build("not json"));
}
