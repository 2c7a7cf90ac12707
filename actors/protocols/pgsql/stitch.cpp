#include "actors/protocols/pgsql/stitch.hpp"

#include <optional>
#include <utility>

#include "actors/protocols/pgsql/parse.hpp"
#include "actors/protocols/pgsql/payload.hpp"

namespace wisp::protocols::pgsql {
namespace {

using queue = std::deque<message>;

bool is_regular(const message& m, char t) { return m.kind == message_kind::regular && m.tag == t; }

// Messages the backend may send at any time, outside any answer.
bool is_async(const message& m) {
  return m.kind == message_kind::regular &&
         (m.tag == tag::notice_response || m.tag == tag::parameter_status ||
          m.tag == tag::notification_response);
}

// Merges each run of adjacent messages with one of `tags` into its first message: the rows are
// counted, their text kept up to the row text limit, the memory they hold is what wire_size says.
void compact(queue& q, std::string_view tags) {
  auto mergeable = [&](const message& a, const message& b) {
    return a.kind == message_kind::regular && b.kind == message_kind::regular && a.tag == b.tag &&
           tags.find(a.tag) != std::string_view::npos;
  };
  std::size_t w = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (w > 0 && mergeable(q[w - 1], q[i])) {
      message& into = q[w - 1];
      if (into.payload.size() < default_max_row_text_bytes) {
        into.payload.push_back('\n');
        into.payload.append(q[i].payload, 0, default_max_row_text_bytes - into.payload.size());
      }
      into.rows += q[i].rows;
      into.timestamp_ns = q[i].timestamp_ns;
      into.wire_size = header_bytes + into.payload.size();
      continue;
    }
    if (w != i) q[w] = std::move(q[i]);
    ++w;
  }
  q.resize(w);
}

enum class verdict : std::uint8_t { complete, wait, mismatch };

// How the front request was answered.
struct answer {
  verdict v = verdict::wait;
  std::size_t used = 0;      // responses consumed
  std::optional<record> rec;  // set for the requests Pixie reports
  bool error = false;        // an ErrorResponse answered an extended-protocol message
  bool copy_in = false;      // a CopyInResponse: the client's CopyData follows the request
};

answer unfinished(verdict v) { return {v, 0, std::nullopt, false, false}; }
answer mismatch() { return unfinished(verdict::mismatch); }
answer complete(std::size_t used) { return {verdict::complete, used, std::nullopt, false, false}; }

answer complete_with(std::size_t used, const message& req, std::string req_text, std::string resp_text,
                     std::int64_t resp_ts) {
  answer a = complete(used);
  a.rec = record{req.tag, std::move(req_text), std::move(resp_text), req.timestamp_ns, resp_ts};
  return a;
}

// Index of the first message at or after i that is not asynchronous (rs.size() if none).
std::size_t significant(const queue& rs, std::size_t i) {
  while (i < rs.size() && is_async(rs[i])) ++i;
  return i;
}

// The text of one or more statement results: rows under their column names, then the command
// tag; an error replaces the rows of its statement.
class result_text {
 public:
  explicit result_text(std::string columns) : columns_{std::move(columns)} {}
  void columns(std::string c) { columns_ = std::move(c); }
  void rows(const message& m) {
    if (rows_ > 0) text_rows_.push_back('\n');
    text_rows_.append(m.payload);
    rows_ += m.rows;
  }
  void finish(std::string_view tag_text) {
    if (!out_.empty()) out_.push_back('\n');
    if (rows_ > 0) {
      if (!columns_.empty()) out_.append(columns_).push_back('\n');
      out_.append(text_rows_).push_back('\n');
    }
    out_.append(tag_text);
    columns_.clear();
    text_rows_.clear();
    rows_ = 0;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string columns_;
  std::string text_rows_;
  std::uint64_t rows_ = 0;
  std::string out_;
};

// The answer to a Query (until ReadyForQuery) or an Execute (until its CommandComplete,
// EmptyQueryResponse, PortalSuspended or ErrorResponse).
answer results(const queue& rs, const message& req, std::string req_text, std::string columns) {
  bool simple = req.tag == tag::query;
  result_text text{std::move(columns)};
  std::int64_t done_ts = 0;
  bool copy_in = false;
  bool failed = false;
  auto finish = [&](std::size_t i, std::string_view t) {
    text.finish(t);
    done_ts = rs[i].timestamp_ns;
  };
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const message& m = rs[i];
    if (m.kind != message_kind::regular) return mismatch();
    if (is_async(m)) continue;
    switch (m.tag) {
      case tag::row_description: {
        auto fields = decode_row_description(m.payload);
        if (!simple || !fields) return mismatch();
        text.columns(column_names(*fields));
        break;
      }
      case tag::data_row:
        text.rows(m);
        break;
      case tag::copy_in_response:
        copy_in = true;
        break;
      case tag::copy_out_response:
      case tag::copy_both_response:
      case tag::copy_data:
      case tag::copy_done:
        break;
      case tag::command_complete: {
        auto t = decode_text(m.payload);
        if (!t) return mismatch();
        finish(i, *t);
        break;
      }
      case tag::empty_query_response:
        finish(i, empty_query_text);
        break;
      case tag::portal_suspended:
        if (simple) return mismatch();
        finish(i, portal_suspended_text);
        break;
      case tag::error_response: {
        auto e = render_error(m.payload);
        if (!e) return mismatch();
        finish(i, *e);
        failed = true;
        break;
      }
      case tag::ready_for_query:
        if (!simple || done_ts == 0) return mismatch();
        break;
      default:
        return mismatch();
    }
    // A Query ends at ReadyForQuery, an Execute with its first result.
    if (simple ? m.tag == tag::ready_for_query : done_ts != 0) {
      answer a = complete_with(i + 1, req, std::move(req_text), text.take(), done_ts);
      a.copy_in = copy_in;
      a.error = failed && !simple;  // only the extended protocol skips to Sync after an error
      return a;
    }
  }
  return {};
}

// Startup: authentication requests, parameter statuses and the key, up to ReadyForQuery (or
// the ErrorResponse that ends a refused connection).
answer startup_answer(const queue& rs) {
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const message& m = rs[i];
    if (m.kind != message_kind::regular) return mismatch();
    switch (m.tag) {
      case tag::authentication:
      case tag::backend_key_data:
      case tag::parameter_status:
      case tag::notice_response:
      case tag::negotiate_protocol_version:
        break;
      case tag::ready_for_query:
      case tag::error_response:
        return complete(i + 1);
      default:
        return mismatch();
    }
  }
  return {};
}

// The first significant answer must be `expected` (or an ErrorResponse); it completes the request.
// Returns the index of that answer, or the verdict.
struct single {
  verdict v = verdict::wait;
  std::size_t at = 0;
  bool error = false;
};
single expect(const queue& rs, std::size_t from, std::string_view expected) {
  std::size_t i = significant(rs, from);
  if (i == rs.size()) return {};
  const message& m = rs[i];
  if (m.kind != message_kind::regular) return {verdict::mismatch};
  if (m.tag == tag::error_response) return {verdict::complete, i, true};
  if (expected.find(m.tag) == std::string_view::npos) return {verdict::mismatch};
  return {verdict::complete, i, false};
}

answer error_answer(const queue& rs, const single& s, const message& req, std::string req_text) {
  auto e = render_error(rs[s.at].payload);
  if (!e) return mismatch();
  answer a = complete_with(s.at + 1, req, std::move(req_text), std::move(*e), rs[s.at].timestamp_ns);
  a.error = true;
  return a;
}

answer parse_answer(const queue& rs, const message& req, session& state, stitch_counters& counters) {
  auto p = decode_parse(req.payload);
  if (!p) return mismatch();
  single s = expect(rs, 0, {&tag::parse_complete, 1});
  if (s.v != verdict::complete) return unfinished(s.v);
  if (s.error) return error_answer(rs, s, req, std::string{p->query});
  state.put_statement(p->statement, {std::string{p->query}, {}}, counters);
  return complete_with(s.at + 1, req, std::string{p->query}, std::string{parse_complete_text},
                       rs[s.at].timestamp_ns);
}

answer bind_answer(const queue& rs, const message& req, session& state, stitch_counters& counters) {
  auto b = decode_bind(req.payload);
  if (!b) return mismatch();
  single s = expect(rs, 0, {&tag::bind_complete, 1});
  if (s.v != verdict::complete) return unfinished(s.v);
  if (s.error) return error_answer(rs, s, req, render_bind(*b));
  // A statement prepared before tracing started is unknown: its query shows empty.
  session::portal p;
  if (const session::statement* st = state.find_statement(b->statement)) {
    p.query = st->query;
    p.columns = st->columns;
  }
  p.params = render_param_values(b->params);
  state.put_portal(b->portal, std::move(p), counters);
  return complete_with(s.at + 1, req, render_bind(*b), std::string{bind_complete_text},
                       rs[s.at].timestamp_ns);
}

answer describe_answer(const queue& rs, const message& req, session& state, stitch_counters& counters) {
  auto t = decode_target(req.payload);
  if (!t) return mismatch();
  std::size_t from = 0;
  if (t->type == 'S') {
    // A statement's description starts with its parameter types.
    single pd = expect(rs, 0, {&tag::parameter_description, 1});
    if (pd.v != verdict::complete) return unfinished(pd.v);
    if (pd.error) return error_answer(rs, pd, req, render_describe(*t));
    from = pd.at + 1;
  }
  static constexpr char rows_or_none[] = {tag::row_description, tag::no_data};
  single s = expect(rs, from, {rows_or_none, 2});
  if (s.v != verdict::complete) return unfinished(s.v);
  if (s.error) return error_answer(rs, s, req, render_describe(*t));
  std::vector<field_description> fields;
  if (rs[s.at].tag == tag::row_description) {
    auto f = decode_row_description(rs[s.at].payload);
    if (!f) return mismatch();
    fields = std::move(*f);
  }
  if (t->type == 'S') {
    if (const session::statement* st = state.find_statement(t->name)) {
      state.put_statement(t->name, {st->query, column_names(fields)}, counters);
    }
  } else if (const session::portal* p = state.find_portal(t->name)) {
    state.put_portal(t->name, {p->query, p->params, column_names(fields)}, counters);
  }
  return complete_with(s.at + 1, req, render_describe(*t), render_row_description(fields),
                       rs[s.at].timestamp_ns);
}

answer execute_answer(const queue& rs, const message& req, const session& state) {
  payload_reader r{req.payload};
  std::string_view portal_name;
  std::int32_t max_rows = 0;
  if (!r.cstring(portal_name) || !r.int32(max_rows) || r.left() != 0) return mismatch();
  const session::portal* p = state.find_portal(portal_name);
  std::string req_text = "query=[";
  req_text.append(p ? p->query : "").append("] params=[").append(p ? p->params : "").append("]");
  return results(rs, req, std::move(req_text), p ? p->columns : std::string{});
}

answer close_answer(const queue& rs, const message& req, session& state) {
  auto t = decode_target(req.payload);
  if (!t) return mismatch();
  single s = expect(rs, 0, {&tag::close_complete, 1});
  if (s.v != verdict::complete) return unfinished(s.v);
  if (!s.error) state.erase(t->type, t->name);
  answer a = complete(s.at + 1);
  a.error = s.error;
  return a;
}

// Sync (whose implicit commit may fail) and FunctionCall end with ReadyForQuery; `before` are the
// other answers allowed first.
answer until_ready(const queue& rs, std::string_view before) {
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const message& m = rs[i];
    if (m.kind != message_kind::regular) return mismatch();
    if (m.tag == tag::ready_for_query) return complete(i + 1);
    if (!is_async(m) && before.find(m.tag) == std::string_view::npos) return mismatch();
  }
  return {};
}

answer answer_for(const message& req, const queue& rs, session& state, stitch_counters& counters) {
  switch (req.kind) {
    case message_kind::startup:
      return startup_answer(rs);
    case message_kind::ssl_request:
    case message_kind::gssenc_request:
      if (rs.empty()) return {};
      return rs.front().kind == message_kind::encryption_reply ? complete(1) : mismatch();
    case message_kind::cancel_request:
    case message_kind::encryption_reply:
      return complete(0);
    case message_kind::regular:
      break;
  }
  switch (req.tag) {
    case tag::query: {
      auto q = decode_text(req.payload);
      if (!q) return mismatch();
      return results(rs, req, std::string{*q}, {});
    }
    case tag::parse:
      return parse_answer(rs, req, state, counters);
    case tag::bind:
      return bind_answer(rs, req, state, counters);
    case tag::describe:
      return describe_answer(rs, req, state, counters);
    case tag::execute:
      return execute_answer(rs, req, state);
    case tag::close:
      return close_answer(rs, req, state);
    case tag::sync:
      return until_ready(rs, {&tag::error_response, 1});
    case tag::function_call: {
      static constexpr char function_answers[] = {tag::function_call_response, tag::error_response};
      return until_ready(rs, {function_answers, 2});
    }
    default:
      // Flush, Terminate, password exchange (answered within the startup's answer), CopyData,
      // CopyDone and CopyFail outside a COPY: nothing answers them.
      return complete(0);
  }
}

// Drops the backend messages stamped before `ts`: their request was never seen.
void drop_orphans(queue& rs, std::int64_t ts, stitch_counters& counters) {
  bool dropped = false;
  while (!rs.empty() && rs.front().timestamp_ns < ts) {
    if (is_async(rs.front())) {
      ++counters.interim_responses;
    } else {
      ++counters.orphan_responses;
      dropped = true;
    }
    rs.pop_front();
  }
  if (dropped) {
    ++counters.attempts;
    ++counters.errors;
  }
}

}  // namespace

const session::statement* session::find_statement(std::string_view name) const {
  auto it = statements_.find(name);
  return it == statements_.end() ? nullptr : &it->second;
}

const session::portal* session::find_portal(std::string_view name) const {
  auto it = portals_.find(name);
  return it == portals_.end() ? nullptr : &it->second;
}

namespace {
std::size_t held(std::string_view name, const session::statement& s) {
  return name.size() + s.query.size() + s.columns.size();
}
std::size_t held(std::string_view name, const session::portal& p) {
  return name.size() + p.query.size() + p.params.size() + p.columns.size();
}

template <class Map, class Value>
void put_entry(Map& m, std::size_t& bytes, std::string_view name, Value v) {
  auto it = m.find(name);
  if (it != m.end()) {
    bytes -= held(name, it->second);
    m.erase(it);
  }
  bytes += held(name, v);
  m.emplace(std::string{name}, std::move(v));
}
}  // namespace

void session::put_statement(std::string_view name, statement s, stitch_counters& counters) {
  put_entry(statements_, bytes_, name, std::move(s));
  bound(name, {}, counters);
}

void session::put_portal(std::string_view name, portal p, stitch_counters& counters) {
  put_entry(portals_, bytes_, name, std::move(p));
  bound({}, name, counters);
}

void session::erase(char type, std::string_view name) {
  auto drop = [&](auto& m) {
    auto it = m.find(name);
    if (it == m.end()) return;
    bytes_ -= held(it->first, it->second);
    m.erase(it);
  };
  if (type == 'S') {
    drop(statements_);
  } else {
    drop(portals_);
  }
}

void session::bound(std::string_view keep_statement, std::string_view keep_portal,
                    stitch_counters& counters) {
  // Portals are short-lived, so they go before statements; the entry just stored stays.
  auto shrink = [&](auto& m, std::string_view keep) {
    for (auto it = m.begin(); it != m.end() && (entries() > max_session_entries || bytes_ > max_session_bytes);) {
      if (it->first == keep) {
        ++it;
        continue;
      }
      bytes_ -= held(it->first, it->second);
      it = m.erase(it);
      ++counters.state_dropped;
    }
  };
  shrink(portals_, keep_portal);
  shrink(statements_, keep_statement);
}

void stitch(std::deque<message>& requests, std::deque<message>& responses, bool end_of_stream,
            session& state, stitch_counters& counters, std::vector<record>& out) {
  compact(requests, {&tag::copy_data, 1});
  static constexpr char response_runs[] = {tag::data_row, tag::copy_data};
  compact(responses, {response_runs, 2});
  while (!requests.empty()) {
    const message& req = requests.front();
    drop_orphans(responses, req.timestamp_ns, counters);
    if (state.skipping_to_sync && req.kind == message_kind::regular && req.tag != tag::sync &&
        req.tag != tag::terminate) {
      requests.pop_front();  // the backend discards it unanswered
      continue;
    }
    answer a = answer_for(req, responses, state, counters);
    if (a.v == verdict::wait) break;
    ++counters.attempts;
    if (req.kind == message_kind::regular && req.tag == tag::sync) state.skipping_to_sync = false;
    requests.pop_front();
    if (a.v == verdict::mismatch) {
      ++counters.errors;
      continue;
    }
    responses.erase(responses.begin(), responses.begin() + static_cast<std::ptrdiff_t>(a.used));
    if (a.error) state.skipping_to_sync = true;
    if (a.copy_in) {
      while (!requests.empty() && (is_regular(requests.front(), tag::copy_data) ||
                                   is_regular(requests.front(), tag::copy_done) ||
                                   is_regular(requests.front(), tag::copy_fail))) {
        requests.pop_front();
      }
    }
    if (a.rec) out.push_back(std::move(*a.rec));
  }
  if (!requests.empty()) return;
  // Nothing can answer what is left: asynchronous messages now, everything once the stream ended.
  while (!responses.empty() && (end_of_stream || is_async(responses.front()))) {
    if (is_async(responses.front())) {
      ++counters.interim_responses;
    } else {
      ++counters.attempts;
      ++counters.errors;
      ++counters.orphan_responses;
    }
    responses.pop_front();
  }
}

}  // namespace wisp::protocols::pgsql
