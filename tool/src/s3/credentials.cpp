#include "s3/credentials.h"

#include <fmt/format.h>

#include "s3/credential_sources.h"
#include "s3/location.h"
#include "s3/profile_roles.h"
#include "s3/shared_files.h"

namespace xship {

Error no_credentials_error(const std::vector<std::string>& tried, const std::string& fix) {
  std::string list;
  for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
  return credentials_error("no credentials found (tried " + list + "): " + fix);
}

namespace {

CredentialPlan plan_of(BaseSource base) {
  CredentialPlan plan;
  plan.base = std::move(base);
  return plan;
}

// First non-empty of several alias variables; `used` gets the name that supplied it.
std::string first_of(const EnvLookup& env, std::initializer_list<const char*> names, std::string& used) {
  for (const char* n : names) {
    std::string v = env_value(env, n);
    if (!v.empty()) {
      used = n;
      return v;
    }
  }
  return {};
}

SharedFiles shared_files(const EnvLookup& env) {
  const std::string home = env_value(env, "HOME");
  std::string creds_path = env_value(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (creds_path.empty()) creds_path = home.empty() ? "~/.aws/credentials" : home + "/.aws/credentials";
  std::string config_path = env_value(env, "AWS_CONFIG_FILE");
  if (config_path.empty()) config_path = home.empty() ? "~/.aws/config" : home + "/.aws/config";
  return load_shared_files(creds_path, config_path);  // without HOME the "~" paths are only for messages
}

// The xship-specific sources before the AWS chain: flags, then the Travis addon's variables.
Result<std::optional<Credentials>> xship_sources(const CredentialFlags& flags, const EnvLookup& env) {
  if (!flags.access_key.empty() || !flags.secret_key.empty()) {
    if (flags.access_key.empty() || flags.secret_key.empty())
      return credentials_error(std::string(flags.secret_key.empty() ? "--access-key is set but --secret-key is not"
                                                                    : "--secret-key is set but --access-key is not") +
                               ": set both, or neither");
    return std::optional(
        Credentials{flags.access_key, flags.secret_key, flags.session_token, "--access-key/--secret-key", {}});
  }
  if (!flags.session_token.empty())
    return credentials_error("--session-token needs --access-key and --secret-key as well");
  std::string kname = "ARTIFACTS_KEY", sname = "ARTIFACTS_SECRET";
  std::string k = first_of(env, {"ARTIFACTS_KEY", "ARTIFACTS_AWS_ACCESS_KEY"}, kname);
  std::string s = first_of(env, {"ARTIFACTS_SECRET", "ARTIFACTS_AWS_SECRET_KEY"}, sname);
  if (k.empty() && s.empty()) return std::optional<Credentials>{};
  if (k.empty() || s.empty())
    return credentials_error(std::string(k.empty()
                                             ? sname + " is set but ARTIFACTS_KEY (or ARTIFACTS_AWS_ACCESS_KEY)"
                                             : kname + " is set but ARTIFACTS_SECRET (or ARTIFACTS_AWS_SECRET_KEY)") +
                             " is not: set both, or neither");
  return std::optional(Credentials{k, s, "", kname + "/" + sname, {}});
}

// Where AssumeRole* goes: AWS_ENDPOINT_URL_STS, the global AWS_ENDPOINT_URL or profile
// endpoint_url (as the SDKs read them), else the region's STS.
Result<std::string> sts_endpoint(const EnvLookup& env, const ProfileSettings& p, const std::string& region) {
  std::string unused;
  std::string url = first_of(env, {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"}, unused);
  if (url.empty()) url = p.get("endpoint_url");
  if (url.empty())
    return "https://sts." + region + (region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com");
  auto ep = parse_endpoint(url, region);
  if (!ep) return credentials_error("the STS endpoint: " + ep.error().message);
  return ep->scheme + "://" + ep->host + (ep->port ? ":" + std::to_string(ep->port) : "");
}

// Steps 4 to 8 of the chain (credentials.h): the profile, its credential_process, web
// identity, container, instance metadata. `tried` grows with each source passed over.
Result<std::optional<CredentialPlan>> aws_chain(const CredentialFlags& flags, const EnvLookup& env,
                                                const SharedFiles& files, const ProfileSettings& p,
                                                std::vector<std::string>& tried) {
  auto role = plan_profile_role(files, p, env);
  if (!role || *role) return role;
  if (p.has("role_arn") && !p.has("web_identity_token_file"))
    return credentials_error("role_arn in profile '" + p.name +
                             "' needs source_profile, credential_source or "
                             "web_identity_token_file: name where the credentials to assume it come from");
  for (auto [section, path] : {std::pair{p.creds, &files.creds_path}, std::pair{p.config, &files.config_path}}) {
    auto keys = profile_keys(section, "profile '" + p.name + "' in " + *path);
    if (!keys) return keys.error();
    if (*keys) return std::optional(plan_of(**keys));
  }
  tried.push_back("profile '" + p.name + "' in " + files.creds_path + " and " + files.config_path);
  if (p.has("credential_process")) return std::optional(plan_of(ProcessSpec{p.get("credential_process"), p.name}));
  tried.push_back("credential_process");
  std::string hint;
  auto web = web_identity_from_env(env, flags.oidc_audience, hint);
  if (!web) return web.error();
  if (!*web) web = web_identity_from_profile(p);
  if (!web) return web.error();
  if (*web) return std::optional(plan_of(**web));
  tried.push_back(hint.empty() ? "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, GitHub Actions OIDC)" : hint);
  if (p.has("sso_start_url") || p.has("sso_session"))
    return credentials_error("profile '" + p.name +
                             "' uses IAM Identity Center (sso_*), which xship does not read: run "
                             "'aws configure export-credentials --profile " +
                             p.name + " --format env' and eval its output first");
  auto container = container_spec(env);
  if (!container) return container.error();
  if (*container) return std::optional(plan_of(**container));
  tried.push_back("container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI)");
  if (imds_disabled(env)) {
    tried.push_back("EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
    return std::optional<CredentialPlan>{};
  }
  auto imds = imds_spec(env, p);
  if (!imds) return imds.error();
  return std::optional(plan_of(*imds));
}

}  // namespace

Result<ResolvedConfig> resolve_config(const CredentialFlags& flags, const EnvLookup& env) {
  // Profile and shared files are needed for region/endpoint even when keys come earlier.
  std::string profile = !flags.profile.empty() ? flags.profile : env_value(env, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  const SharedFiles files = shared_files(env);
  const ProfileSettings p = profile_settings(files, profile);

  std::vector<std::string> tried = {"--access-key/--secret-key", "ARTIFACTS_KEY/ARTIFACTS_SECRET",
                                    "ARTIFACTS_AWS_ACCESS_KEY/ARTIFACTS_AWS_SECRET_KEY"};
  std::optional<CredentialPlan> plan;
  auto given = xship_sources(flags, env);
  if (!given) return given.error();
  if (*given) plan = plan_of(**given);
  if (!plan) {
    auto aws = aws_env_credentials(env);
    if (!aws) return aws.error();
    if (*aws)
      plan = plan_of(**aws);
    else
      tried.push_back("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  }
  if (!plan) {
    auto chained = aws_chain(flags, env, files, p, tried);
    if (!chained) return chained.error();
    plan = std::move(*chained);
  }
  const std::string fix =
      "set ARTIFACTS_KEY and ARTIFACTS_SECRET (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or add "
      "a [" +
      profile + "] profile with aws_access_key_id and aws_secret_access_key (or role_arn) to " + files.creds_path;
  if (!plan) return no_credentials_error(tried, fix);

  ResolvedConfig cfg;
  std::string unused;
  cfg.region =
      !flags.region.empty()
          ? flags.region
          : first_of(env, {"ARTIFACTS_REGION", "ARTIFACTS_S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"}, unused);
  if (cfg.region.empty()) cfg.region = section_value(p.config, "region");
  if (cfg.region.empty()) cfg.region = section_value(p.creds, "region");
  if (cfg.region.empty()) cfg.region = "us-east-1";
  // AWS_ENDPOINT_URL_S3 is the SDKs' service-specific form and beats the global one.
  cfg.endpoint =
      !flags.endpoint.empty() ? flags.endpoint : first_of(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, unused);
  if (cfg.endpoint.empty()) cfg.endpoint = section_value(p.config, "endpoint_url");
  if (cfg.endpoint.empty()) cfg.endpoint = section_value(p.creds, "endpoint_url");

  plan->tried = std::move(tried);
  plan->fix = fix;
  plan->sts_region = cfg.region;
  if (!std::holds_alternative<Credentials>(plan->base) || !plan->roles.empty()) {
    auto sts = sts_endpoint(env, p, cfg.region);
    if (!sts) return sts.error();
    plan->sts_endpoint = *sts;
  }
  cfg.plan = std::move(*plan);
  return cfg;
}

}  // namespace xship
