// Which credential sources are configured, read from the environment and a profile and
// checked once: each function returns a validated spec, nothing when the source is not
// configured, or a one-line Credentials error naming the setting and the fix. No I/O
// besides what the caller parsed already.
#pragma once
#include <optional>
#include <string>

#include "s3/credentials.h"
#include "s3/shared_files.h"

namespace xship {

// An empty variable counts as unset: CI systems often export VAR="" for unset secrets.
std::string env_value(const EnvLookup& env, const std::string& name);

// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
Result<std::optional<Credentials>> aws_env_credentials(const EnvLookup& env);
// aws_access_key_id / aws_secret_access_key / aws_session_token in one file's section.
Result<std::optional<Credentials>> profile_keys(const IniSection* section, const std::string& where);

// role_arn, role_session_name, external_id, duration_seconds of a profile.
Result<AssumeRoleSpec> role_spec(const ProfileSettings& p);
// AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN, or GitHub Actions' token with AWS_ROLE_ARN.
// `hint` is set when AWS_ROLE_ARN is set without a token source (for the final message).
Result<std::optional<WebIdentitySpec>> web_identity_from_env(const EnvLookup& env, const std::string& audience,
                                                             std::string& hint);
Result<std::optional<WebIdentitySpec>> web_identity_from_profile(const ProfileSettings& p);

Result<std::optional<ContainerSpec>> container_spec(const EnvLookup& env);
bool imds_disabled(const EnvLookup& env);
Result<ImdsSpec> imds_spec(const EnvLookup& env, const ProfileSettings& p);

// The http:// container endpoints the SDKs accept: loopback, and the ECS and EKS
// link-local addresses. Anything else must be https.
bool container_host_allowed(const std::string& host);

}  // namespace xship
