#include "s3/shared_files.h"

#include <cctype>
#include <fstream>

namespace xship {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

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
      if (close == std::string::npos) {
        in_section = false;
        continue;
      }
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

SharedFiles load_shared_files(const std::string& creds_path, const std::string& config_path) {
  SharedFiles f;
  f.creds_path = creds_path;
  f.config_path = config_path;
  if (creds_path.rfind("~/", 0) != 0) f.creds = parse_ini(creds_path);
  if (config_path.rfind("~/", 0) != 0) f.config = parse_ini(config_path);
  return f;
}

std::string section_value(const IniSection* s, const char* key) {
  if (!s) return {};
  auto it = s->find(key);
  return it == s->end() ? std::string() : it->second;
}

std::string ProfileSettings::get(const char* key) const {
  std::string v = section_value(creds, key);
  return v.empty() ? section_value(config, key) : v;
}

ProfileSettings profile_settings(const SharedFiles& files, const std::string& name) {
  ProfileSettings p;
  p.name = name;
  if (auto it = files.creds.find(name); it != files.creds.end()) p.creds = &it->second;
  // The config file names profiles "[profile NAME]", except "[default]".
  for (const auto& [section, values] : files.config) {
    if (p.config) break;
    if (name == "default" && section == "default")
      p.config = &values;
    else if (section.rfind("profile", 0) == 0 && section.size() > 7 &&
             std::isspace(static_cast<unsigned char>(section[7])) && trim(section.substr(7)) == name)
      p.config = &values;
  }
  return p;
}

}  // namespace xship
