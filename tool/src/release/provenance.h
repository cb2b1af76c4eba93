// Build provenance: an in-toto Statement v1 whose predicate is SLSA Provenance v1, in a
// DSSE envelope signed with the release key (provenance.intoto.json). Pure.
//
//   subject               every published file with its SHA-256 (what SHA256SUMS lists)
//   buildDefinition       the repository and commit, the targets, the compilers per target,
//                         SOURCE_DATE_EPOCH and the xship version
//   runDetails            the CI system and run (GitHub Actions, Travis, GitLab) or local
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "cross/targets.h"
#include "digest/minisign.h"
#include "release/manifest.h"
#include "release/template.h"

namespace xship::release {

inline constexpr const char* kProvenanceName = "provenance.intoto.json";
inline constexpr const char* kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr const char* kBuildType = "https://github.com/xship/xship/build/v1";

// Where the build ran, from the CI environment.
struct RunDetails {
  std::string builder_id;  // a URI naming the CI system; "urn:xship:builder:local" outside CI
  std::string invocation_id;  // the run's URL when the CI gives one; "" locally
};
RunDetails run_details(const EnvLookup& env);

// What the provenance records besides the files and the build facts.
struct ProvenanceFacts {
  // The compiler for a target, as a line ("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0")
  // or why it is unknown; asked once for each target the release's files are built for.
  std::function<std::string(const cross::Target&)> compiler_version;
  std::string source_date_epoch;  // "" when unset
  std::string xship_version;
  std::string source_uri;  // "git+https://github.com/owner/name"; "" when the repo is unknown
  RunDetails run;
};

// All but compiler_version, from the environment (SOURCE_DATE_EPOCH, the CI's variables).
ProvenanceFacts provenance_facts(const BuildInfo& info, const EnvLookup& env);

// The statement (deterministic: the same inputs give the same bytes).
std::string provenance_statement(const std::vector<ManifestEntry>& entries, const BuildInfo& info,
                                 const ProvenanceFacts& facts);

// DSSE v1: the envelope of `payload` signed over its pre-authentication encoding, with the
// minisign key's id as keyid.
std::string dsse_pae(std::string_view payload_type, std::string_view payload);
std::string dsse_envelope(std::string_view payload, const minisign::SecretKey& key);
// The payload, when the envelope is an in-toto one signed by `key`; Integrity error otherwise.
Result<std::string> dsse_open(std::string_view envelope, const minisign::PublicKey& key);

// What a rebuild needs from a statement: the commit and SOURCE_DATE_EPOCH it records, and
// its subjects (name -> SHA-256 hex). Integrity error when they are missing or malformed
// (a commit that is not 40 or 64 hex digits, an epoch that is not a number).
struct RecordedBuild {
  std::string commit;
  std::string source_date_epoch;  // "" when none was recorded
  std::map<std::string, std::string> subjects;
};
Result<RecordedBuild> recorded_build(std::string_view statement);

// A statement's subjects are exactly `files` with their SHA-256s (Integrity error naming the
// first difference otherwise).
Status check_subjects(std::string_view statement, const std::vector<ManifestEntry>& files);

}  // namespace xship::release
