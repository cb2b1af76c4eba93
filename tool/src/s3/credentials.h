// Where the keys come from: the first source that is configured answers (README, "Credentials").
//   1. flags (--access-key/--secret-key/--session-token)
//   2. ARTIFACTS_KEY / ARTIFACTS_SECRET (Travis artifacts addon, and its long aliases)
//   3. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
//   4. the profile (--profile, AWS_PROFILE or "default") in AWS_SHARED_CREDENTIALS_FILE
//      (~/.aws/credentials) and AWS_CONFIG_FILE (~/.aws/config): its keys, or role_arn with
//      source_profile / credential_source (STS AssumeRole)
//   5. the profile's credential_process
//   6. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, GitHub Actions' OIDC token
//      with AWS_ROLE_ARN, then the profile's web_identity_token_file + role_arn
//   7. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI)
//   8. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true
// The same order as the AWS SDK for C++. This file only decides (a CredentialPlan, from an
// injected environment and the shared files); s3/credential_fetch.h does the I/O.
// Region: flag, ARTIFACTS_REGION, AWS_REGION, AWS_DEFAULT_REGION, profile's region,
// then us-east-1. Endpoint: flag, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, profile's endpoint_url.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/env.h"
#include "core/result.h"

namespace xship {

using TimePoint = std::chrono::system_clock::time_point;

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty when none
  std::string source;  // where they were found, for messages ("ARTIFACTS_KEY/ARTIFACTS_SECRET")
  std::optional<TimePoint> expiration;  // none: they do not expire
};

// What the user passed on the command line; empty means "not given".
struct CredentialFlags {
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  std::string region;
  std::string profile;
  std::string endpoint;
  std::string oidc_audience = "sts.amazonaws.com";  // for GitHub Actions' ID token
};

// Temporary credentials for a role, from STS AssumeRole with other credentials.
struct AssumeRoleSpec {
  std::string role_arn;
  std::string session_name;
  std::string external_id;  // empty: none
  int duration_seconds = 0;  // 0: STS's default (one hour)
  std::string profile;  // whose role_arn this is, for messages
};

// credential_process: a program printing JSON (Version 1) on stdout.
struct ProcessSpec {
  std::string command;
  std::string profile;
};

// STS AssumeRoleWithWebIdentity with a token from a file, or (no file) from GitHub Actions.
struct WebIdentitySpec {
  std::string role_arn;
  std::string session_name;
  std::string token_file;  // empty: ask GitHub Actions for the job's ID token
  std::string github_request_url;  // ACTIONS_ID_TOKEN_REQUEST_URL
  std::string github_request_token;
  std::string audience;
  std::string where;  // "AWS_WEB_IDENTITY_TOKEN_FILE", "profile 'ci'", "GitHub Actions OIDC"
};

// ECS / CodeBuild / EKS pod identity: a JSON document from a local HTTP endpoint.
struct ContainerSpec {
  std::string url;
  std::string variable;  // which variable named it, for messages
  std::string auth_token;  // AWS_CONTAINER_AUTHORIZATION_TOKEN
  std::string auth_token_file;  // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch)
};

// EC2 instance metadata, version 2 (a session token first); version 1 only when asked.
struct ImdsSpec {
  std::string endpoint = "http://169.254.169.254";
  bool allow_v1 = false;  // AWS_EC2_METADATA_V1_DISABLED=false
  long timeout_seconds = 1;  // AWS_METADATA_SERVICE_TIMEOUT
  int attempts = 2;  // AWS_METADATA_SERVICE_NUM_ATTEMPTS
};

using BaseSource = std::variant<Credentials, ProcessSpec, WebIdentitySpec, ContainerSpec, ImdsSpec>;

struct CredentialPlan {
  BaseSource base;
  std::vector<AssumeRoleSpec> roles;  // assumed in order, each with the previous credentials
  std::string sts_endpoint;  // scheme://host[:port] for AssumeRole*
  std::string sts_region;
  // The sources looked at before this one, in order: a fetch that finds nothing (no
  // instance metadata) reports them all.
  std::vector<std::string> tried;
  std::string fix;  // how to configure credentials, for that message
};

struct ResolvedConfig {
  CredentialPlan plan;
  std::string region;  // never empty
  std::string endpoint;  // empty means AWS
};

// Credentials errors name every source tried and how to fix it (category Credentials).
Result<ResolvedConfig> resolve_config(const CredentialFlags& flags, const EnvLookup& env);

// "no credentials found (tried A, B, ...): FIX", one line.
Error no_credentials_error(const std::vector<std::string>& tried, const std::string& fix);

}  // namespace xship
