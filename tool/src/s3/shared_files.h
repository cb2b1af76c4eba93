// The AWS shared files (~/.aws/credentials and ~/.aws/config), parsed, and one profile's
// settings looked up across both. No secret ever goes into a message from here.
#pragma once
#include <map>
#include <string>

namespace xship {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// A missing or unreadable file parses as empty; malformed lines are ignored.
IniFile parse_ini(const std::string& path);

struct SharedFiles {
  std::string creds_path;  // for messages even when unreadable ("~/.aws/credentials")
  std::string config_path;
  IniFile creds;
  IniFile config;
};

// Paths starting "~/" (no HOME) are kept for messages but not opened.
SharedFiles load_shared_files(const std::string& creds_path, const std::string& config_path);

// One profile: "[NAME]" in the credentials file, "[profile NAME]" (or "[default]") in the
// config file. A key in the credentials file wins over the same key in the config file.
struct ProfileSettings {
  std::string name;
  const IniSection* creds = nullptr;
  const IniSection* config = nullptr;
  bool exists() const { return creds || config; }
  std::string get(const char* key) const;
  bool has(const char* key) const { return !get(key).empty(); }
};
ProfileSettings profile_settings(const SharedFiles& files, const std::string& name);

std::string section_value(const IniSection* s, const char* key);

}  // namespace xship
