#include "release/provenance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "digest/digest.h"
#include "digest/sign.h"

namespace xship::release {

namespace {

std::string get(const EnvLookup& env, const char* name) { return env(name).value_or(""); }

std::string b64(std::string_view s) {
  return digest::base64(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// The repository as a resolved dependency's URI (SLSA's "git+https://host/owner/name"), when
// the CI says where it is hosted; "" outside CI, where only a remote's name is known.
std::string source_uri(const BuildInfo& info, const EnvLookup& env) {
  if (info.repo.empty()) return "";
  std::string server = get(env, "GITHUB_SERVER_URL");
  if (server.empty()) server = get(env, "CI_SERVER_URL");
  if (server.empty() && (info.ci == "github" || info.ci == "travis")) server = "https://github.com";
  return server.empty() ? "" : "git+" + server + "/" + info.repo;
}

// The targets the files are built for, sorted by name, each once.
std::vector<cross::Target> targets_of(const std::vector<ManifestEntry>& entries) {
  std::map<std::string, cross::Target> by_name;
  for (const auto& e : entries) {
    if (e.artifact) {
      by_name.emplace(e.artifact->target.name(), e.artifact->target);
    } else if (!e.os.empty() && !e.arch.empty()) {
      if (auto t = cross::parse_target(e.os + "/" + e.arch)) by_name.emplace(t->name(), *t);
    }
  }
  std::vector<cross::Target> out;
  for (const auto& [_, t] : by_name) out.push_back(t);
  return out;
}

}  // namespace

RunDetails run_details(const EnvLookup& env) {
  RunDetails r;
  if (get(env, "GITHUB_ACTIONS") == "true") {
    std::string server = get(env, "GITHUB_SERVER_URL");
    if (server.empty()) server = "https://github.com";
    r.builder_id = server + "/actions/runner";
    if (!get(env, "GITHUB_RUN_ID").empty())
      r.invocation_id = fmt::format("{}/{}/actions/runs/{}/attempts/{}", server, get(env, "GITHUB_REPOSITORY"),
                                    get(env, "GITHUB_RUN_ID"),
                                    get(env, "GITHUB_RUN_ATTEMPT").empty() ? "1" : get(env, "GITHUB_RUN_ATTEMPT"));
  } else if (get(env, "TRAVIS") == "true") {
    r.builder_id = "https://travis-ci.com";
    r.invocation_id = get(env, "TRAVIS_JOB_WEB_URL");
  } else if (get(env, "GITLAB_CI") == "true") {
    std::string server = get(env, "CI_SERVER_URL");
    r.builder_id = (server.empty() ? "https://gitlab.com" : server) + "/gitlab-runner";
    r.invocation_id = get(env, "CI_JOB_URL");
  } else {
    r.builder_id = "urn:xship:builder:local";
  }
  return r;
}

ProvenanceFacts provenance_facts(const BuildInfo& info, const EnvLookup& env) {
  ProvenanceFacts f;
  f.source_date_epoch = get(env, "SOURCE_DATE_EPOCH");
  f.xship_version = XSHIP_VERSION_STRING;
  f.source_uri = source_uri(info, env);
  f.run = run_details(env);
  return f;
}

std::string provenance_statement(const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                                 const ProvenanceFacts& facts) {
  std::vector<const ManifestEntry*> sorted;
  for (const auto& e : entries) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  nlohmann::ordered_json subjects = nlohmann::ordered_json::array();
  for (const auto* e : sorted) subjects.push_back({{"name", e->name}, {"digest", {{"sha256", e->sha256}}}});

  nlohmann::ordered_json targets = nlohmann::ordered_json::array(), toolchains = nlohmann::ordered_json::object();
  for (const auto& t : targets_of(entries)) {
    targets.push_back(t.name());
    toolchains[t.name()] = facts.compiler_version ? facts.compiler_version(t) : "unknown";
  }
  nlohmann::ordered_json external{{"repository", info.repo}, {"commit", info.commit},   {"branch", info.branch},
                                  {"tag", info.tag},         {"version", info.version}, {"targets", targets}};
  nlohmann::ordered_json internal{{"SOURCE_DATE_EPOCH", facts.source_date_epoch},
                                  {"xshipVersion", facts.xship_version},
                                  {"toolchains", toolchains}};
  nlohmann::ordered_json build{
      {"buildType", kBuildType}, {"externalParameters", external}, {"internalParameters", internal}};
  if (!facts.source_uri.empty() && !info.commit.empty())
    build["resolvedDependencies"] = {{{"uri", facts.source_uri}, {"digest", {{"gitCommit", info.commit}}}}};
  nlohmann::ordered_json run{{"builder", {{"id", facts.run.builder_id}}}};
  if (!facts.run.invocation_id.empty()) run["metadata"] = {{"invocationId", facts.run.invocation_id}};

  nlohmann::ordered_json statement{{"_type", "https://in-toto.io/Statement/v1"},
                                   {"subject", subjects},
                                   {"predicateType", "https://slsa.dev/provenance/v1"},
                                   {"predicate", {{"buildDefinition", build}, {"runDetails", run}}}};
  return statement.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string dsse_pae(std::string_view payload_type, std::string_view payload) {
  return fmt::format("DSSEv1 {} {} {} ", payload_type.size(), payload_type, payload.size()) + std::string(payload);
}

std::string dsse_envelope(std::string_view payload, const minisign::SecretKey& key) {
  auto sig = digest::ed25519::sign(key.seed, dsse_pae(kInTotoPayloadType, payload));
  nlohmann::ordered_json env{
      {"payloadType", kInTotoPayloadType},
      {"payload", b64(payload)},
      {"signatures", {{{"keyid", minisign::key_id_text(key.id)}, {"sig", digest::base64(sig)}}}}};
  return env.dump(2) + "\n";
}

Result<std::string> dsse_open(std::string_view envelope, const minisign::PublicKey& key) {
  auto j = nlohmann::json::parse(envelope.substr(0, 64u << 20), nullptr, false);
  auto str = [&](const nlohmann::json& o, const char* k) {
    return o.is_object() && o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
  };
  if (j.is_discarded() || str(j, "payloadType") != kInTotoPayloadType || !j.contains("signatures") ||
      !j["signatures"].is_array())
    return integrity_error(fmt::format("{} is not an in-toto DSSE envelope: it is damaged", kProvenanceName));
  auto payload = digest::base64_decode(str(j, "payload"));
  if (!payload) return integrity_error(fmt::format("{}: its payload is not base64: it is damaged", kProvenanceName));
  const std::string pae = dsse_pae(kInTotoPayloadType, *payload);
  for (const auto& s : j["signatures"]) {
    auto sig = digest::base64_decode(str(s, "sig"));
    if (!sig || sig->size() != 64) continue;
    digest::ed25519::Signature raw;
    std::memcpy(raw.data(), sig->data(), 64);
    if (digest::ed25519::verify(key.key, pae, raw)) return std::move(*payload);
  }
  return integrity_error(fmt::format("{} is not signed by key {}: it was changed or signed by someone else",
                                     kProvenanceName, minisign::key_id_text(key.id)));
}

namespace {

Result<std::map<std::string, std::string>> subjects_of(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("subject") || !j["subject"].is_array())
    return integrity_error(fmt::format("{} holds no in-toto statement with subjects: it is damaged", kProvenanceName));
  std::map<std::string, std::string> got;
  for (const auto& s : j["subject"]) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string() || !s.contains("digest") ||
        !s["digest"].is_object() || !s["digest"].contains("sha256") || !s["digest"]["sha256"].is_string())
      return integrity_error(fmt::format("{} has a subject without a name or SHA-256: it is damaged", kProvenanceName));
    got[s["name"].get<std::string>()] = s["digest"]["sha256"].get<std::string>();
  }
  return got;
}

bool all_of_class(const std::string& s, const char* chars) { return s.find_first_not_of(chars) == std::string::npos; }

}  // namespace

Result<RecordedBuild> recorded_build(std::string_view statement) {
  auto j = nlohmann::json::parse(statement, nullptr, false);
  if (j.is_discarded())
    return integrity_error(fmt::format("{} holds no JSON statement: it is damaged", kProvenanceName));
  auto subjects = subjects_of(j);
  if (!subjects) return subjects.error();
  RecordedBuild b;
  b.subjects = std::move(*subjects);
  const auto* def = j.contains("predicate") && j["predicate"].is_object() ? &j["predicate"] : nullptr;
  def = def && def->contains("buildDefinition") && (*def)["buildDefinition"].is_object() ? &(*def)["buildDefinition"]
                                                                                         : nullptr;
  auto text = [&](const char* section, const char* field) -> std::string {
    if (!def || !def->contains(section) || !(*def)[section].is_object()) return "";
    const auto& o = (*def)[section];
    return o.contains(field) && o[field].is_string() ? o[field].get<std::string>() : "";
  };
  b.commit = text("externalParameters", "commit");
  b.source_date_epoch = text("internalParameters", "SOURCE_DATE_EPOCH");
  if ((b.commit.size() != 40 && b.commit.size() != 64) || !all_of_class(b.commit, "0123456789abcdef"))
    return integrity_error(fmt::format(
        "{} records no commit (40 or 64 hex digits): the release cannot be rebuilt from it", kProvenanceName));
  if (b.source_date_epoch.size() > 19 || !all_of_class(b.source_date_epoch, "0123456789"))
    return integrity_error(
        fmt::format("{} records a SOURCE_DATE_EPOCH that is not a number: it is damaged", kProvenanceName));
  return b;
}

Status check_subjects(std::string_view statement, const std::vector<ManifestEntry>& files) {
  auto j = nlohmann::json::parse(statement, nullptr, false);
  auto got = subjects_of(j.is_discarded() ? nlohmann::json() : j);
  if (!got) return got.error();
  std::map<std::string, std::string> want;
  for (const auto& f : files) want[f.name] = f.sha256;
  if (*got == want) return ok_status();
  for (const auto& [name, sha] : want)
    if (auto it = got->find(name); it == got->end() || it->second != sha)
      return integrity_error(
          fmt::format("{} does not vouch for '{}' as published: it belongs to another build", kProvenanceName, name));
  return integrity_error(
      fmt::format("{} names files the release does not have: it belongs to another build", kProvenanceName));
}

}  // namespace xship::release
