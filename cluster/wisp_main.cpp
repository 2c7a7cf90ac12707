// `wisp`: the command-line client. Talks to the daemon's client endpoint over ZeroMQ.
//
//   wisp run (-f FILE|- | px/NAME) [-o table|json|csv] [--explain] [--endpoint ADDR]
//            [--key DIR/NAME --server_key FILE] [--timeout SECONDS] [-- --name value ...]
//   wisp run -l            list the bundled scripts
//   wisp get tracepoints / wisp delete tracepoint NAME
//   wisp deploy --image IMAGE [--namespace NS] [--keys DIR] [--output-dir DIR] / wisp deploy --systemd
//   wisp keys NAME [--dir DIR]   a CURVE key pair for an agent, broker or client
//
// A vis.json beside the script (FILE's directory, or a bundled script's) is sent with it: the
// daemon then runs the functions it names, with the `--name value` arguments as its variables.
//
// Exit status: 0 success, 1 the query failed (compile or execution error) or `wisp deploy` could
// not write its files or keys, 2 bad usage (key files that cannot be read included),
// 3 the daemon could not be reached, refused this client or answered garbage.

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/bundled_scripts.hpp"
#include "cluster/client.hpp"
#include "cluster/deploy_keys.hpp"
#include "cluster/deploy_manifests.hpp"
#include "cluster/curve_keys.hpp"
#include "cluster/output_format.hpp"

namespace {

using namespace wisp;

constexpr int exit_query_failed = 1;
constexpr int exit_deploy_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;

constexpr const char* usage_text = R"(usage: wisp <command> [flags]

commands:
  run                     run a PxL script and print its result tables
  get agents              the cluster's agents and their health (px/agent_status)
  get schemas             the tables and their columns (px/schemas)
  get tracepoints         the node's tracepoints and their state (px/tracepoint_status)
  delete tracepoint NAME  detach a tracepoint (pxtrace.DeleteTracepoint); its table stays
  deploy                  print or write the Kubernetes manifests, or the systemd unit
  keys NAME [--dir DIR]   write a CURVE key pair: DIR/NAME.key (secret, mode 0600) and
                          DIR/NAME.pub (public, one Z85 line: add it to the broker's allowlist)
  version                 print the version

  get and delete take --endpoint, --key, --server_key, --timeout and -o as run does.

wisp run flags:
  px/NAME                run a bundled script (see -l)
  -f, --file FILE        the script to run ('-' reads standard input)
  -l, --list             list the bundled scripts and exit
  -o, --output FORMAT    table (default), json or csv
      --explain          print the compiled plan instead of running it
      --endpoint ADDR    the daemon's client endpoint (default tcp://127.0.0.1:50300,
                         or $WISP_ENDPOINT)
      --key DIR/NAME     this client's CURVE key pair (DIR/NAME.key and DIR/NAME.pub, made
                         by `wisp keys NAME`; or $WISP_KEY), for a daemon started with
                         --key_file: its --allowed_clients must list DIR/NAME.pub
      --server_key FILE  the daemon's public key, its NAME.pub (or $WISP_SERVER_KEY);
                         needed with --key
      --timeout SECONDS  give up on a query after this long (default 60)
  -- --name value ...    script arguments: they set the variables of the vis.json beside
                         the script (FILE's directory, or the bundled script's)

Function mode (as Pixie's `px run`): when the script has a vis.json next to it, wisp sends it
with the script; the daemon runs the functions its globalFuncs and widgets name, each argument
converted by the function parameter's annotation (str, int, float, bool, px.Time, ...), and
names each result table after its widget. A variable without a defaultValue must be given.
  wisp run -f dir/script.pxl -- --start_time -1h      (dir/vis.json declares start_time)
A script without a vis.json takes no arguments; its px.display calls make the tables.

wisp deploy flags (prints the manifests, separated by ---, for `kubectl apply -f -`):
      --image IMAGE      the container image holding wispd (required: no image is published)
  -n, --namespace NS     the namespace of the agents and the broker (default wisp)
      --keys DIR         put the CURVE keys of DIR into the Secrets (25-keys.yaml): DIR/broker,
                         DIR/agent, and every other DIR/NAME.pub as an allowed client; missing
                         pairs are made (DIR/client when there is no client). Without it the
                         Secrets hold placeholders that wispd refuses. Connect with
                         wisp --key DIR/client --server_key DIR/broker.pub
      --output-dir DIR   write one file per manifest into DIR instead (kubectl apply -f DIR)
      --systemd          the systemd unit for a host without Kubernetes instead
      --wispd-path PATH  with --systemd: where wispd is installed (default /usr/local/bin/wispd)
)";

int usage_error(const std::string& msg) {
  std::cerr << "wisp: " << msg << "\n(run `wisp --help` for usage)\n";
  return exit_usage;
}

struct run_flags {
  std::string file;
  const cluster::bundled_script* bundled = nullptr;
  bool list = false;
  cluster::output_format format = cluster::output_format::table;
  bool explain = false;
  cluster::client_options client;
  std::vector<std::pair<std::string, std::string>> args;
  std::string key;         // --key DIR/NAME
  std::string server_key;  // --server_key FILE
};

/// The defaults of the flags that reach the daemon, from the environment.
run_flags run_flags_from_env() {
  run_flags f;
  if (const char* ep = std::getenv("WISP_ENDPOINT")) f.client.endpoint = ep;
  if (const char* k = std::getenv("WISP_KEY")) f.key = k;
  if (const char* k = std::getenv("WISP_SERVER_KEY")) f.server_key = k;
  return f;
}

/// Reads the key files that --key and --server_key name into the client options.
std::string load_keys(run_flags& f) {
  if (f.key.empty() && f.server_key.empty()) return {};
  if (f.key.empty()) return "--server_key needs --key DIR/NAME (this client's key pair) too";
  if (f.server_key.empty()) return "--key needs --server_key FILE (the daemon's public key) too";
  cluster::client_keys keys;
  if (auto e = cluster::load_client_keys(f.key, f.server_key, keys); !e.empty()) return e;
  f.client.keys = std::move(keys);
  return {};
}

/// Parses `wisp run` flags; returns an error text or empty.
std::string parse_run_flags(const std::vector<std::string>& argv, run_flags& f) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const auto& a = argv[i];
    auto value = [&](std::string& out) -> std::string {
      if (i + 1 >= argv.size()) return "flag " + a + " needs a value";
      out = argv[++i];
      return {};
    };
    std::string v;
    if (a == "-f" || a == "--file") {
      if (auto e = value(f.file); !e.empty()) return e;
    } else if (a == "-o" || a == "--output") {
      if (auto e = value(v); !e.empty()) return e;
      auto fmt = cluster::parse_output_format(v);
      if (!fmt) return "unknown output format '" + v + "' (use table, json or csv)";
      f.format = *fmt;
    } else if (a == "-l" || a == "--list") {
      f.list = true;
    } else if (a == "--explain") {
      f.explain = true;
    } else if (a == "--endpoint") {
      if (auto e = value(f.client.endpoint); !e.empty()) return e;
    } else if (a == "--key") {
      if (auto e = value(f.key); !e.empty()) return e;
    } else if (a == "--server_key") {
      if (auto e = value(f.server_key); !e.empty()) return e;
    } else if (a == "--timeout") {
      if (auto e = value(v); !e.empty()) return e;
      char* end = nullptr;
      const long secs = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || secs <= 0) return "--timeout needs a positive number of seconds, got '" + v + "'";
      f.client.query_timeout = std::chrono::seconds{secs};
    } else if (a == "--") {
      for (++i; i < argv.size(); ++i) {
        const auto& name = argv[i];
        if (name.rfind("--", 0) != 0 || name.size() == 2) return "script argument '" + name + "' must look like --name value";
        if (i + 1 >= argv.size()) return "script argument " + name + " needs a value";
        f.args.emplace_back(name.substr(2), argv[++i]);
      }
    } else if (!a.empty() && a[0] == '-') {
      return "unknown flag '" + a + "'";
    } else {
      if (f.bundled) return "more than one script named: '" + std::string{f.bundled->name} + "' and '" + a + "'";
      f.bundled = cluster::find_bundled_script(a);
      if (!f.bundled) {
        std::string err = "'" + a + "' is not a bundled script (wisp run -l lists them; run a file with -f)";
        if (auto similar = cluster::similar_bundled_scripts(a); !similar.empty()) {
          err += "; did you mean";
          for (const auto& n : similar) err += " " + n;
          err += "?";
        }
        return err;
      }
    }
  }
  if (f.list) return {};
  if (auto e = load_keys(f); !e.empty()) return e;
  if (f.bundled && !f.file.empty()) return "give either a bundled script or -f FILE, not both";
  if (!f.bundled && f.file.empty())
    return "wisp run needs a script: px/NAME (see wisp run -l), or -f FILE (-f - for standard input)";
  return {};
}

bool read_file(const std::string& file, std::string& text, std::string& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err = "cannot read " + file + ": " + std::strerror(errno);
    return false;
  }
  text.assign(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) {
    err = "cannot read " + file + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool read_script(const std::string& file, std::string& text, std::string& err) {
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
    return true;
  }
  return read_file(file, text, err);
}

/// The vis.json in the script file's directory, if there is one (Pixie's CLI looks there too).
bool read_vis_beside(const std::string& script_file, std::optional<wire::vis_spec_file>& vis, std::string& err) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path{script_file}.parent_path() / "vis.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) return true;
  wire::vis_spec_file f;
  f.file_name = path.string();
  if (!read_file(f.file_name, f.text, err)) return false;
  vis = std::move(f);
  return true;
}

int execute(const run_flags& f, const wire::query_request& req);

int run(const std::vector<std::string>& argv) {
  auto f = run_flags_from_env();
  if (auto err = parse_run_flags(argv, f); !err.empty()) return usage_error(err);

  if (f.list) {
    for (const auto& s : cluster::bundled_scripts()) std::cout << s.name << "\t" << s.description << "\n";
    return 0;
  }

  wire::query_request req;
  req.explain = f.explain;
  req.args = f.args;
  if (f.bundled) {
    req.file_name = std::string{f.bundled->name} + ".pxl";
    req.script = f.bundled->text;
    if (f.bundled->has_vis)
      req.vis = wire::vis_spec_file{std::string{f.bundled->name} + "/vis.json", std::string{f.bundled->vis}};
  } else {
    req.file_name = f.file == "-" ? "<stdin>" : f.file;
    std::string err;
    if (!read_script(f.file, req.script, err)) return usage_error(err);
    if (f.file != "-" && !read_vis_beside(f.file, req.vis, err)) return usage_error(err);
  }
  return execute(f, req);
}

/// `wisp get agents|schemas|tracepoints [flags]`: the bundled script that lists them.
int get(const std::vector<std::string>& argv) {
  static const std::map<std::string, std::string> scripts{
      {"agents", "px/agent_status"}, {"schemas", "px/schemas"}, {"tracepoints", "px/tracepoint_status"}};
  const auto it = argv.empty() ? scripts.end() : scripts.find(argv[0]);
  if (it == scripts.end())
    return usage_error("wisp get knows: agents, schemas, tracepoints" +
                       (argv.empty() ? std::string{} : " (not '" + argv[0] + "')"));
  std::vector<std::string> run_argv{it->second};
  run_argv.insert(run_argv.end(), argv.begin() + 1, argv.end());
  return run(run_argv);
}

/// `wisp delete tracepoint NAME [flags]`: a script that calls pxtrace.DeleteTracepoint.
int delete_tracepoint(const std::vector<std::string>& argv) {
  if (argv.size() < 2 || argv[0] != "tracepoint") return usage_error("usage: wisp delete tracepoint NAME");
  const std::string& name = argv[1];
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return usage_error("'" + name + "' is not a tracepoint name (letters, digits, '_', '-', '.')");
  auto f = run_flags_from_env();
  std::vector<std::string> flags{argv.begin() + 2, argv.end()};
  flags.push_back("px/tracepoint_status");  // parse_run_flags wants a script; it is replaced below
  if (auto err = parse_run_flags(flags, f); !err.empty()) return usage_error(err);
  wire::query_request req;
  req.file_name = "<wisp delete tracepoint>";
  req.script = "import pxtrace\npxtrace.DeleteTracepoint('" + name + "')\n";
  const int rc = execute(f, req);
  if (rc == 0) std::cout << "deleted tracepoint " << name << "\n";
  return rc;
}

struct deploy_flags {
  std::optional<std::string> image;
  std::optional<std::string> ns;
  std::optional<std::string> output_dir;
  std::optional<std::string> wispd_path;
  std::optional<std::string> keys_dir;
  bool systemd = false;
};

/// Parses `wisp deploy` flags; returns an error text naming the flag, or empty.
std::string parse_deploy_flags(const std::vector<std::string>& argv, deploy_flags& f) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const auto& a = argv[i];
    auto value = [&](std::optional<std::string>& out) -> std::string {
      if (out) return "flag " + a + " given twice";
      if (i + 1 >= argv.size() || argv[i + 1].empty()) return "flag " + a + " needs a value";
      out = argv[++i];
      return {};
    };
    std::string err;
    if (a == "--image") {
      err = value(f.image);
    } else if (a == "-n" || a == "--namespace") {
      err = value(f.ns);
    } else if (a == "--output-dir") {
      err = value(f.output_dir);
    } else if (a == "--wispd-path") {
      err = value(f.wispd_path);
    } else if (a == "--keys") {
      err = value(f.keys_dir);
    } else if (a == "--systemd") {
      f.systemd = true;
    } else {
      err = "unknown flag '" + a + "' for wisp deploy";
    }
    if (!err.empty()) return err;
  }
  if (f.systemd) {
    if (f.image) return "--image applies to the Kubernetes manifests, not to --systemd";
    if (f.ns) return "--namespace applies to the Kubernetes manifests, not to --systemd";
    if (f.keys_dir) return "--keys applies to the Kubernetes manifests, not to --systemd";
    if (f.wispd_path) {
      if (auto e = cluster::check_wispd_path(*f.wispd_path); !e.empty()) return "--wispd-path: " + e;
    }
    return {};
  }
  if (f.wispd_path) return "--wispd-path applies only with --systemd";
  if (!f.image) return "wisp deploy needs --image IMAGE (the container image holding wispd), or --systemd";
  if (auto e = cluster::check_image(*f.image); !e.empty()) return "--image: " + e;
  if (f.ns) {
    if (auto e = cluster::check_namespace(*f.ns); !e.empty()) return "--namespace: " + e;
  }
  return {};
}

/// `wisp deploy`: prints the rendered files (--- between them) or writes them into a directory.
int deploy(const std::vector<std::string>& argv) {
  deploy_flags f;
  if (auto err = parse_deploy_flags(argv, f); !err.empty()) return usage_error(err);
  std::optional<cluster::deploy_keys> keys;
  if (f.keys_dir) {
    std::vector<std::string> made;
    auto loaded = cluster::load_or_make_deploy_keys(*f.keys_dir, made);
    if (const auto* err = std::get_if<std::string>(&loaded)) {
      std::cerr << "wisp: cannot use --keys " << *f.keys_dir << ": " << *err << "\n";
      return exit_deploy_failed;
    }
    for (const auto& m : made) std::cerr << "wisp: made the key pair " << m << ".key and " << m << ".pub\n";
    keys = std::get<cluster::deploy_keys>(std::move(loaded));
  }
  const auto rendered =
      f.systemd ? cluster::render_systemd_unit(f.wispd_path.value_or(std::string{cluster::default_wispd_path}))
                : cluster::render_kubernetes(f.ns.value_or(std::string{cluster::default_deploy_namespace}), *f.image, keys);
  if (const auto* err = std::get_if<std::string>(&rendered)) {
    std::cerr << "wisp: cannot render the deployment files: " << *err << "\n";
    return exit_deploy_failed;
  }
  const auto& files = std::get<std::vector<cluster::rendered_file>>(rendered);
  if (!f.output_dir) {
    for (std::size_t i = 0; i < files.size(); ++i) std::cout << (i ? "---\n" : "") << files[i].text;
    return 0;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(*f.output_dir, ec);
  if (ec) {
    std::cerr << "wisp: cannot create " << *f.output_dir << ": " << ec.message() << "\n";
    return exit_deploy_failed;
  }
  for (const auto& file : files) {
    const auto path = fs::path{*f.output_dir} / file.name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file.text;
    out.close();
    if (!out) {
      std::cerr << "wisp: cannot write " << path.string() << ": " << std::strerror(errno) << "\n";
      return exit_deploy_failed;
    }
    std::cout << path.string() << "\n";
  }
  return 0;
}

/// `wisp keys NAME [--dir DIR]`: a CURVE key pair in two files (never overwrites).
int keys(const std::vector<std::string>& argv) {
  std::string name;
  std::string dir = ".";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "--dir") {
      if (i + 1 >= argv.size()) return usage_error("flag --dir needs a value");
      dir = argv[++i];
    } else if (!argv[i].empty() && argv[i][0] == '-') {
      return usage_error("unknown flag '" + argv[i] + "'");
    } else if (name.empty()) {
      name = argv[i];
    } else {
      return usage_error("wisp keys takes one NAME, got '" + name + "' and '" + argv[i] + "'");
    }
  }
  if (name.empty()) return usage_error("usage: wisp keys NAME [--dir DIR]");
  std::string err;
  auto pair = cluster::generate_keypair(err);
  if (!pair) {
    std::cerr << "wisp: cannot generate a key pair: " << err << "\n";
    return exit_query_failed;
  }
  if (err = cluster::write_keypair(dir, name, *pair); !err.empty()) {
    std::cerr << "wisp: " << err << "\n";
    return exit_query_failed;
  }
  std::cout << pair->public_z85 << "\n";
  return 0;
}

int execute(const run_flags& f, const wire::query_request& req) {
  // Tables are printed as soon as each one is complete (json streams row by row).
  std::map<std::string, cluster::result_table> tables;
  std::vector<std::string> order;
  cluster::client c{f.client};
  auto outcome = c.run(req, [&](const wire::server_message& m) {
    if (const auto* s = std::get_if<wire::table_schema>(&m.payload)) {
      if (!tables.count(s->table_name)) order.push_back(s->table_name);
      tables[s->table_name] = {s->table_name, s->rel, {}};
    } else if (const auto* b = std::get_if<wire::table_batch>(&m.payload)) {
      auto it = tables.find(b->table_name);
      if (it == tables.end()) return;
      if (f.format == cluster::output_format::json) {
        cluster::result_table one{it->second.name, it->second.rel, {b->batch}};
        cluster::render(std::cout, one, f.format);
      } else {
        it->second.batches.push_back(b->batch);
      }
    }
  });

  if (auto* e = std::get_if<std::string>(&outcome)) {
    std::cerr << "wisp: " << *e << "\n";
    return exit_unreachable;
  }
  const auto& done = std::get<wire::done>(outcome);
  if (f.format != cluster::output_format::json)
    for (const auto& name : order) cluster::render(std::cout, tables[name], f.format);
  if (!done.explain.empty()) std::cout << done.explain;
  for (const auto& d : done.diagnostics) {
    std::cerr << d.file << ':' << d.line << ':' << d.col << ": " << d.message << "\n";
    if (!d.hint.empty()) std::cerr << "  hint: " << d.hint << "\n";
  }
  for (const auto& t : done.truncated)
    std::cerr << "wisp: warning: table '" << t.table_name << "' truncated to " << t.limit
              << " rows (max_output_rows_per_table; set it with #px:set)\n";
  for (const auto& w : done.warnings) std::cerr << "wisp: warning: " << w << "\n";
  for (const auto& l : done.losses)
    if (l.value > 0) std::cerr << "wisp: warning: " << l.value << " lost at " << l.stage << " (" << l.name << ")\n";
  if (done.code != wire::status::ok) {
    if (!done.error.empty()) std::cerr << "wisp: " << done.error << "\n";
    return exit_query_failed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << usage_text;
    return args.empty() ? exit_usage : 0;
  }
  if (args[0] == "version") {
    std::cout << "wisp " WISP_VERSION "\n";
    return 0;
  }
  if (args[0] == "run") return run({args.begin() + 1, args.end()});
  if (args[0] == "get") return get({args.begin() + 1, args.end()});
  if (args[0] == "delete") return delete_tracepoint({args.begin() + 1, args.end()});
  if (args[0] == "deploy") return deploy({args.begin() + 1, args.end()});
  if (args[0] == "keys") return keys({args.begin() + 1, args.end()});
  return usage_error("unknown command '" + args[0] + "'");
}
