#include "s3/credentials.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

namespace xship {

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

namespace {

// An empty variable counts as unset: CI systems often export VAR="" for unset secrets.
std::string get(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  return v ? *v : std::string();
}

// First non-empty of several alias variables; `used` gets the name that supplied it.
std::string first_of(const EnvLookup& env, std::initializer_list<const char*> names, std::string& used) {
  for (const char* n : names) {
    std::string v = get(env, n);
    if (!v.empty()) {
      used = n;
      return v;
    }
  }
  return {};
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// Hand-written because no Debian-packaged C++ library reads the AWS shared-file dialect
// (Python-configparser style): full-line '#'/';' comments, inline comments only after
// whitespace, case-insensitive keys, and indented lines that continue the previous key
// (nested "s3 =" blocks), which must not be mistaken for top-level keys.
// A missing or unreadable file parses as empty. Never reports line contents: they may be secrets.
IniFile parse_ini(const std::string& path) {
  IniFile out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line, section;
  bool in_section = false, have_key = false;
  std::size_t key_indent = 0;
  for (bool first = true; std::getline(in, line); first = false) {
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 BOM
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t indent = line.find_first_not_of(" \t");
    if (indent == std::string::npos) continue;  // blank
    char c = line[indent];
    if (c == '#' || c == ';') continue;
    if (have_key && indent > key_indent) continue;  // continuation / nested sub-key
    // Inline comment: '#' or ';' preceded by whitespace.
    for (std::size_t i = indent + 1; i < line.size(); ++i) {
      if ((line[i] == '#' || line[i] == ';') && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    if (c == '[') {
      std::size_t close = line.find(']', indent);
      if (close == std::string::npos) { in_section = false; continue; }
      section = trim(line.substr(indent + 1, close - indent - 1));
      in_section = true;
      have_key = false;
      out[section];
      continue;
    }
    std::size_t eq = line.find('=', indent);
    if (!in_section || eq == std::string::npos) continue;  // malformed: ignore quietly
    std::string key = trim(line.substr(indent, eq - indent));
    for (char& k : key) k = static_cast<char>(std::tolower(static_cast<unsigned char>(k)));
    out[section][key] = trim(line.substr(eq + 1));
    have_key = true;
    key_indent = indent;
  }
  return out;
}

// The config file names profiles "[profile NAME]", except "[default]".
const IniSection* config_section(const IniFile& f, const std::string& profile) {
  for (const auto& [name, sec] : f) {
    if (profile == "default" && name == "default") return &sec;
    if (name.rfind("profile", 0) == 0 && name.size() > 7 && std::isspace(static_cast<unsigned char>(name[7])) &&
        trim(name.substr(7)) == profile)
      return &sec;
  }
  return nullptr;
}

const IniSection* creds_section(const IniFile& f, const std::string& profile) {
  auto it = f.find(profile);
  return it == f.end() ? nullptr : &it->second;
}

std::string value_of(const IniSection* s, const char* key) {
  if (!s) return {};
  auto it = s->find(key);
  return it == s->end() ? std::string() : it->second;
}

// A key and secret from one source: both, neither (nullopt), or an error naming the
// source and the missing half. Only names go into messages, never values.
Result<std::optional<Credentials>> pair_from(const std::string& key, const std::string& secret,
                                             const std::string& token, const std::string& key_name,
                                             const std::string& secret_name, const std::string& source,
                                             const std::string& context = "") {
  if (key.empty() && secret.empty()) return std::optional<Credentials>{};
  const bool no_secret = secret.empty();
  if (no_secret || key.empty())
    return credentials_error((no_secret ? key_name : secret_name) + " is set but " +
                             (no_secret ? secret_name : key_name) + " is not" + context +
                             ": set both, or neither");
  return std::optional<Credentials>{Credentials{key, secret, token, source}};
}

}  // namespace

Result<ResolvedConfig> resolve_config(const CredentialFlags& flags, const EnvLookup& env) {
  // Profile and shared files are needed for region/endpoint even when keys come earlier.
  std::string profile = !flags.profile.empty() ? flags.profile : get(env, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  const std::string home = get(env, "HOME");
  std::string creds_path = get(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (creds_path.empty()) creds_path = home.empty() ? "~/.aws/credentials" : home + "/.aws/credentials";
  std::string config_path = get(env, "AWS_CONFIG_FILE");
  if (config_path.empty()) config_path = home.empty() ? "~/.aws/config" : home + "/.aws/config";
  // Without HOME the "~" paths are only for messages; don't try to open them.
  const IniFile creds_file = creds_path.rfind("~/", 0) == 0 ? IniFile{} : parse_ini(creds_path);
  const IniFile config_file = config_path.rfind("~/", 0) == 0 ? IniFile{} : parse_ini(config_path);
  const IniSection* csec = creds_section(creds_file, profile);
  const IniSection* fsec = config_section(config_file, profile);

  std::optional<Credentials> found;
  auto try_source = [&](Result<std::optional<Credentials>> r) -> std::optional<Error> {
    if (!r) return r.error();
    if (!found && *r) found = **r;
    return std::nullopt;
  };

  // 1. Flags.
  if (auto e = try_source(pair_from(flags.access_key, flags.secret_key, flags.session_token, "--access-key",
                                    "--secret-key", "--access-key/--secret-key")))
    return *e;
  if (!found && !flags.session_token.empty())
    return credentials_error("--session-token needs --access-key and --secret-key as well");

  // 2. Travis artifacts variables (with the addon's long aliases).
  if (!found) {
    std::string kname = "ARTIFACTS_KEY", sname = "ARTIFACTS_SECRET";
    std::string k = first_of(env, {"ARTIFACTS_KEY", "ARTIFACTS_AWS_ACCESS_KEY"}, kname);
    std::string s = first_of(env, {"ARTIFACTS_SECRET", "ARTIFACTS_AWS_SECRET_KEY"}, sname);
    if (auto e = try_source(pair_from(k, s, "", k.empty() ? "ARTIFACTS_KEY (or ARTIFACTS_AWS_ACCESS_KEY)" : kname,
                                      s.empty() ? "ARTIFACTS_SECRET (or ARTIFACTS_AWS_SECRET_KEY)" : sname,
                                      kname + "/" + sname)))
      return *e;
  }

  // 3. Standard AWS variables.
  if (!found) {
    if (auto e = try_source(pair_from(get(env, "AWS_ACCESS_KEY_ID"), get(env, "AWS_SECRET_ACCESS_KEY"),
                                      get(env, "AWS_SESSION_TOKEN"), "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                      "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")))
      return *e;
  }

  // 4. Shared files: the credentials file first, then the config file (as the AWS CLI).
  const std::string where = "profile '" + profile + "' in ";
  for (auto [sec, path] : {std::pair{csec, &creds_path}, std::pair{fsec, &config_path}}) {
    if (found) break;
    if (auto e = try_source(pair_from(value_of(sec, "aws_access_key_id"), value_of(sec, "aws_secret_access_key"),
                                      value_of(sec, "aws_session_token"), "aws_access_key_id",
                                      "aws_secret_access_key", where + *path, " in " + where + *path)))
      return *e;
  }

  if (!found) {
    return credentials_error(
        "no credentials found (tried --access-key/--secret-key, ARTIFACTS_KEY/ARTIFACTS_SECRET, "
        "ARTIFACTS_AWS_ACCESS_KEY/ARTIFACTS_AWS_SECRET_KEY, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, " +
        where + creds_path + " and " + config_path +
        "): set ARTIFACTS_KEY and ARTIFACTS_SECRET (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "
        "or add a [" + profile + "] profile with aws_access_key_id and aws_secret_access_key to " + creds_path);
  }

  ResolvedConfig cfg;
  cfg.credentials = *found;
  std::string unused;
  cfg.region = !flags.region.empty() ? flags.region
                                     : first_of(env, {"ARTIFACTS_REGION", "ARTIFACTS_S3_REGION", "AWS_REGION",
                                                      "AWS_DEFAULT_REGION"},
                                                unused);
  if (cfg.region.empty()) cfg.region = value_of(fsec, "region");
  if (cfg.region.empty()) cfg.region = value_of(csec, "region");
  if (cfg.region.empty()) cfg.region = "us-east-1";
  // AWS_ENDPOINT_URL_S3 is the SDKs' service-specific form and beats the global one.
  cfg.endpoint = !flags.endpoint.empty() ? flags.endpoint
                                         : first_of(env, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}, unused);
  if (cfg.endpoint.empty()) cfg.endpoint = value_of(fsec, "endpoint_url");
  if (cfg.endpoint.empty()) cfg.endpoint = value_of(csec, "endpoint_url");
  return cfg;
}

}  // namespace xship
