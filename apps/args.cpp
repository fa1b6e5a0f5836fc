// Option parsing shared by every subcommand: Boost.Program_options with --help, --config FILE
// (INI) and errors that name the option, the value, or the config file's line.
#include <fstream>
#include <functional>
#include <typeinfo>
#include <sys/stat.h>

#include <boost/program_options.hpp>

#include "cli_detail.hpp"
#include "seqrl/nets/error.hpp"

namespace po = boost::program_options;

namespace seqrl::cli {

namespace {

// The line of an INI file that sets `key` (for error messages), or 0.
int find_line(const std::string& file, const std::string& key) {
  std::ifstream f(file);
  std::string line;
  for (int n = 1; std::getline(f, line); ++n) {
    const auto b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line.compare(b, key.size(), key) == 0) return n;
  }
  return 0;
}

// Boost.Program_options fills its messages by replacing placeholders ("%value%", "%invalid_line%")
// until none is left, so a value that itself contains one (--steps '%value%x') makes what() loop
// forever (found by tests/fuzz/fuzz_ini.cpp). The message is built here instead, from the error's
// type, its option's name (safe) and the raw text the caller finds for it.
std::string describe(const po::error& e, const std::function<std::string(const std::string&)>& raw_of,
                     bool config_file) {
  const auto* n = dynamic_cast<const po::error_with_option_name*>(&e);
  if (!n) return e.what();
  std::string key = n->get_option_name();
  while (!key.empty() && key[0] == '-') key.erase(0, 1);
  const std::string name = config_file ? "key '" + key + "'" : "--" + key;
  const std::string raw = key.empty() ? std::string() : raw_of(key);
  if (dynamic_cast<const po::invalid_option_value*>(&e))
    return name + ": '" + raw + "' is not a valid value";
  if (dynamic_cast<const po::unknown_option*>(&e)) return "unknown " + (config_file ? name : "option " + name);
  if (dynamic_cast<const po::multiple_occurrences*>(&e)) return name + " is given more than once";
  if (dynamic_cast<const po::required_option*>(&e)) return name + " is required";
  if (dynamic_cast<const po::ambiguous_option*>(&e)) return name + " is ambiguous";
  if (const auto* s = dynamic_cast<const po::invalid_syntax*>(&e)) {
    switch (s->kind()) {
      case po::invalid_syntax::missing_parameter: return name + " needs a value";
      case po::invalid_syntax::extra_parameter: return name + " takes no value";
      case po::invalid_syntax::unrecognized_line: return "a line that is not 'key = value'";
      default: return "bad syntax" + (key.empty() ? std::string() : " at " + name);
    }
  }
  return "bad option " + name;
}

// Boost reads "-1" into an unsigned option as 2^64 - 1 (lexical_cast wraps it): --num-envs -1
// then tried to make that many envs, --seed -1 ran with seed 18446744073709551615. Every option
// stored as an unsigned integer refuses a value that starts with '-'.
void refuse_negative_unsigned(const po::parsed_options& parsed, const po::variables_map& vm,
                              const std::function<std::string(const std::string&)>& name_of) {
  for (const po::option& o : parsed.options) {
    if (o.unregistered || !vm.count(o.string_key)) continue;
    const std::type_info& t = vm[o.string_key].value().type();
    if (t != typeid(unsigned long) && t != typeid(unsigned long long) && t != typeid(unsigned) &&
        t != typeid(unsigned short))
      continue;
    for (const std::string& v : o.value) {
      const auto b = v.find_first_not_of(" \t");
      if (b != std::string::npos && v[b] == '-')
        throw ConfigError(name_of(o.string_key) + ": '" + v + "' is not a valid value (it must be >= 0)");
    }
  }
}

}  // namespace

// Parses args into vm against desc, then the --config file if given. Throws ConfigError.
bool parse_args(const std::string& cmd, po::options_description& desc,
                const std::vector<std::string>& args, po::variables_map& vm, std::ostream* help_out) {
  desc.add_options()("config", po::value<std::string>(), "INI file of option=value lines")(
      "help,h", "print the options with their defaults");
  try {
    // no guessing of abbreviated long options: a typo such as --epoch is an error, not --epochs
    const po::parsed_options parsed = po::command_line_parser(args)
                                          .options(desc)
                                          .style(po::command_line_style::default_style &
                                                 ~po::command_line_style::allow_guessing)
                                          .run();
    po::store(parsed, vm);
    try {
      refuse_negative_unsigned(parsed, vm, [](const std::string& k) { return "--" + k; });
    } catch (const ConfigError& e) {
      throw ConfigError("seqrl " + cmd + ": " + e.what() + " (see 'seqrl " + cmd + " --help')");
    }
  } catch (const po::error& e) {
    // the raw text given for --key: the next argument, or what follows '='
    auto raw_of = [&](const std::string& key) -> std::string {
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--" + key && i + 1 < args.size()) return args[i + 1];
        if (args[i].rfind("--" + key + "=", 0) == 0) return args[i].substr(key.size() + 3);
      }
      return "";
    };
    throw ConfigError("seqrl " + cmd + ": " + describe(e, raw_of, false) + " (see 'seqrl " + cmd + " --help')");
  }
  if (vm.count("help")) {
    if (help_out) *help_out << "usage: seqrl " << cmd << " [options]\n\n" << desc << "\n";
    return true;
  }
  if (vm.count("config")) {
    const std::string file = vm["config"].as<std::string>();
    std::ifstream f(file);
    if (!f) throw ConfigError("seqrl " + cmd + ": cannot open config file '" + file + "'");
    try {
      const po::parsed_options parsed = po::parse_config_file(f, desc, false);
      po::store(parsed, vm);
      refuse_negative_unsigned(parsed, vm, [&](const std::string& k) {
        const int line = find_line(file, k);
        return "config file '" + file + "'" + (line ? ", line " + std::to_string(line) : std::string()) + ": key '" + k + "'";
      });
    } catch (const ConfigError& e) {
      throw ConfigError("seqrl " + cmd + ": " + e.what());
    } catch (const po::error& e) {
      std::string key;
      if (auto* n = dynamic_cast<const po::error_with_option_name*>(&e)) key = n->get_option_name();
      while (!key.empty() && key[0] == '-') key.erase(0, 1);
      const int line = key.empty() ? 0 : find_line(file, key);
      // the raw value: what follows '=' on that line
      auto raw_of = [&](const std::string&) -> std::string {
        std::ifstream g(file);
        std::string l;
        for (int k = 1; std::getline(g, l); ++k)
          if (k == line) {
            const auto eq = l.find('=');
            std::string v = eq == std::string::npos ? std::string() : l.substr(eq + 1);
            v.erase(0, v.find_first_not_of(" \t"));
            v.erase(v.find_last_not_of(" \t\r") + 1);
            return v;
          }
        return "";
      };
      throw ConfigError("seqrl " + cmd + ": config file '" + file + "'" +
                        (line ? ", line " + std::to_string(line) : std::string()) + ": " +
                        describe(e, raw_of, true));
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError("seqrl " + cmd + ": " + describe(e, [](const std::string&) { return std::string(); }, false));
  }
  return false;
}

void require(bool ok, const std::string& cmd, const std::string& msg) {
  if (!ok) throw ConfigError("seqrl " + cmd + ": " + msg);
}

bool is_dir(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace seqrl::cli
