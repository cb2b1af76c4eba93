#include "s3/profile_roles.h"

#include <algorithm>
#include <set>

#include "core/terminal.h"
#include "s3/credential_sources.h"

namespace xship {

namespace {

constexpr int kMaxHops = 8;

std::string quoted(const std::string& profile) { return "profile '" + printable(profile, 80) + "'"; }

// credential_source: the role's credentials come from outside the shared files.
Result<BaseSource> from_credential_source(const std::string& name, const ProfileSettings& p, const EnvLookup& env) {
  const std::string where = "credential_source in " + quoted(p.name);
  if (name == "Environment") {
    auto c = aws_env_credentials(env);
    if (!c) return c.error();
    if (!*c)
      return credentials_error(where + " is Environment but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
    return BaseSource{**c};
  }
  if (name == "Ec2InstanceMetadata") {
    if (imds_disabled(env))
      return credentials_error(where +
                               " is Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED is true: unset one of them");
    auto s = imds_spec(env, p);
    if (!s) return s.error();
    return BaseSource{*s};
  }
  if (name == "EcsContainer") {
    auto s = container_spec(env);
    if (!s) return s.error();
    if (!*s)
      return credentials_error(where +
                               " is EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                               "AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
    return BaseSource{**s};
  }
  return credentials_error(where + " is '" + printable(name, 40) +
                           "': use Environment, Ec2InstanceMetadata or EcsContainer");
}

// A source profile's own keys, from the credentials file, then the config file.
Result<std::optional<Credentials>> keys_of(const SharedFiles& files, const ProfileSettings& p) {
  for (auto [section, path] : {std::pair{p.creds, &files.creds_path}, std::pair{p.config, &files.config_path}}) {
    auto keys = profile_keys(section, quoted(p.name) + " in " + *path);
    if (!keys || *keys) return keys;
  }
  return std::optional<Credentials>{};
}

// A role profile names exactly one of source_profile and credential_source.
Status check_one_source(const std::string& name, const std::string& source, const std::string& cred_source) {
  if (!source.empty() && !cred_source.empty())
    return credentials_error(quoted(name) + " has both source_profile and credential_source: keep one");
  if (source.empty() && cred_source.empty())
    return credentials_error("role_arn in " + quoted(name) +
                             " needs source_profile or credential_source: name "
                             "where the credentials to assume it come from");
  return ok_status();
}

}  // namespace

Result<std::optional<CredentialPlan>> plan_profile_role(const SharedFiles& files, const ProfileSettings& profile,
                                                        const EnvLookup& env) {
  if (!profile.has("role_arn") || (!profile.has("source_profile") && !profile.has("credential_source")))
    return std::optional<CredentialPlan>{};
  CredentialPlan plan;
  std::set<std::string> visited;
  ProfileSettings cur = profile;
  for (int hop = 0;; ++hop) {
    if (hop == kMaxHops)
      return credentials_error("the source_profile chain from " + quoted(profile.name) + " is longer than " +
                               std::to_string(kMaxHops) + " profiles: shorten it");
    visited.insert(cur.name);
    auto role = role_spec(cur);
    if (!role) return role.error();
    plan.roles.push_back(*role);
    const std::string source = cur.get("source_profile"), cred_source = cur.get("credential_source");
    XSHIP_TRY(check_one_source(cur.name, source, cred_source));
    if (!cred_source.empty()) {
      auto base = from_credential_source(cred_source, cur, env);
      if (!base) return base.error();
      plan.base = *base;
      break;
    }
    ProfileSettings src = profile_settings(files, source);
    if (!src.exists())
      return credentials_error("source_profile '" + printable(source, 80) + "' of " + quoted(cur.name) +
                               " is in neither " + files.creds_path + " nor " + files.config_path +
                               ": add it or fix the name");
    // A source profile's own keys come first, even when it names itself (as the AWS CLI).
    auto keys = keys_of(files, src);
    if (!keys) return keys.error();
    if (*keys) {
      plan.base = **keys;
      break;
    }
    if (visited.count(src.name))
      return credentials_error("source_profile links from " + quoted(profile.name) + " loop back to " +
                               quoted(src.name) + ": end the chain at a profile with keys");
    if (src.has("role_arn") && (src.has("source_profile") || src.has("credential_source"))) {
      cur = src;
      continue;
    }
    auto web = web_identity_from_profile(src);
    if (!web) return web.error();
    if (*web) {
      plan.base = **web;
      break;
    }
    if (src.has("credential_process")) {
      plan.base = ProcessSpec{src.get("credential_process"), src.name};
      break;
    }
    return credentials_error("source_profile '" + printable(source, 80) + "' of " + quoted(cur.name) +
                             " has no credentials: give it aws_access_key_id and aws_secret_access_key, "
                             "credential_process, or a role_arn with its own source");
  }
  std::reverse(plan.roles.begin(), plan.roles.end());  // the innermost role is assumed first
  return std::optional(std::move(plan));
}

}  // namespace xship
