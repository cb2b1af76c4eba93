// Where the keys come from, in a documented order (first complete source wins):
//   1. flags (--access-key/--secret-key/--session-token/--region/--profile)
//   2. ARTIFACTS_KEY / ARTIFACTS_SECRET / ARTIFACTS_REGION (Travis artifacts addon)
//   3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//   4. the shared files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
//      AWS_CONFIG_FILE (default ~/.aws/config), profile AWS_PROFILE or "default".
// Region: flag, ARTIFACTS_REGION, AWS_REGION, AWS_DEFAULT_REGION, profile's region,
// then us-east-1. Endpoint: flag, AWS_ENDPOINT_URL, profile's endpoint_url.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "core/result.h"

namespace xship {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty when none
  std::string source;         // where they were found, for messages ("ARTIFACTS_KEY/ARTIFACTS_SECRET")
};

// What the user passed on the command line; empty means "not given".
struct CredentialFlags {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string region;
  std::string profile;
  std::string endpoint;
};

struct ResolvedConfig {
  Credentials credentials;
  std::string region;    // never empty
  std::string endpoint;  // empty means AWS
};

// Environment lookup is injected so tests need not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Credentials errors name every source tried and how to fix it (category Credentials).
Result<ResolvedConfig> resolve_config(const CredentialFlags& flags, const EnvLookup& env);

}  // namespace xship
