#include "actors/protocols/mysql/stitch.hpp"

#include <string_view>
#include <utility>

#include "actors/protocols/mysql/parse.hpp"
#include "actors/protocols/mysql/payload.hpp"

namespace wisp::protocols::mysql {

session::statement* session::find(std::uint32_t id) {
  auto it = statements_.find(id);
  return it == statements_.end() ? nullptr : &it->second;
}

void session::put(std::uint32_t id, statement s, stitch_counters& counters) {
  erase(id);
  bytes_ += cost(s);
  statements_.emplace(id, std::move(s));
  while (statements_.size() > max_session_statements || bytes_ > max_session_bytes) {
    auto victim = statements_.begin();
    if (victim->first == id) ++victim;
    if (victim == statements_.end()) break;
    bytes_ -= cost(victim->second);
    statements_.erase(victim);
    ++counters.state_dropped;
  }
}

void session::erase(std::uint32_t id) {
  auto it = statements_.find(id);
  if (it == statements_.end()) return;
  bytes_ -= cost(it->second);
  statements_.erase(it);
}

namespace {

using queue = std::deque<packet>;

enum class verdict : std::uint8_t { complete, wait, mismatch };

// Walks the server packets of one answer from the front of the queue. Sequence ids continue from
// the command's (1, 2, ..., wrapping at 256); a small forward jump is packets the tracker skipped
// as oversize (a huge row), which the answer tolerates.
class answer_cursor {
 public:
  /// `first` is the sequence id the answer starts with: the one after the command's last.
  answer_cursor(const queue& rs, std::uint8_t first) : rs_{rs}, expect_{first} {}

  /// The next packet of the answer; nullptr if there is none yet (ran_out) or the next one does
  /// not continue the answer.
  const packet* peek() {
    if (i_ >= rs_.size()) return nullptr;
    const packet& p = rs_[i_];
    auto jump = static_cast<std::uint8_t>(p.seq - expect_);
    if (jump >= max_jump || (i_ == 0 && jump != 0)) return nullptr;
    skipped_ = jump;
    return &p;
  }
  void take() {
    const packet& p = rs_[i_++];
    expect_ = static_cast<std::uint8_t>(p.last_seq + 1);
    last_ts_ = p.timestamp_ns;
  }
  bool ran_out() const { return i_ >= rs_.size(); }
  std::size_t used() const { return i_; }
  std::uint8_t skipped() const { return skipped_; }
  std::int64_t last_ts() const { return last_ts_; }

 private:
  static constexpr std::uint8_t max_jump = 16;
  const queue& rs_;
  std::size_t i_ = 0;
  std::uint8_t expect_;
  std::uint8_t skipped_ = 0;
  std::int64_t last_ts_ = 0;
};

struct answer {
  verdict v = verdict::wait;
  resp_status status = resp_status::unknown;
  std::string body;
  std::int64_t ts = 0;
  std::size_t used = 0;
};

// The answer stopped before its end: more may come, or what follows belongs to something else.
answer unfinished(const answer_cursor& c) {
  answer a;
  a.v = c.ran_out() ? verdict::wait : verdict::mismatch;
  a.used = c.used();
  return a;
}

answer mismatch(const answer_cursor& c) {
  answer a;
  a.v = verdict::mismatch;
  a.used = c.used();
  return a;
}

answer done(const answer_cursor& c, resp_status s, std::string body = {}) {
  return {verdict::complete, s, std::move(body), c.last_ts(), c.used()};
}

answer error_answer(answer_cursor& c, const packet& p) {
  std::string msg = error_message(p);
  c.take();
  return done(c, resp_status::err, std::move(msg));
}

// One OK, EOF or ERR packet (`any` also accepts any other single packet, e.g. statistics text).
answer single(answer_cursor& c, bool any = false) {
  const packet* p = c.peek();
  if (!p) return unfinished(c);
  if (is_err(*p)) return error_answer(c, *p);
  if (!any && !is_ok(*p) && p->first_byte() != eof_header) return mismatch(c);
  c.take();
  return done(c, resp_status::ok);
}

// Packets up to an EOF (COM_FIELD_LIST's column definitions, COM_STMT_FETCH's rows) or an ERR.
answer until_eof(answer_cursor& c) {
  for (;;) {
    const packet* p = c.peek();
    if (!p) return unfinished(c);
    if (is_err(*p)) return error_answer(c, *p);
    c.take();
    if (p->first_byte() == eof_header) return done(c, resp_status::ok);
  }
}

// OK, ERR or result sets, following SERVER_MORE_RESULTS_EXIST.
answer results(answer_cursor& c, const session& s) {
  std::string body;
  bool multi = false;
  for (;;) {
    const packet* p = c.peek();
    if (!p) return unfinished(c);
    if (is_err(*p)) return error_answer(c, *p);
    if (is_ok(*p)) {
      std::uint16_t flags = status_flags(*p);
      c.take();
      if (!(flags & server_more_results_exist)) return done(c, resp_status::ok, std::move(body));
      multi = true;
      continue;
    }
    auto columns = column_count(*p);
    if (!columns) return mismatch(c);
    c.take();
    for (std::uint64_t i = 0; columns->definitions_follow && i < columns->count; ++i) {
      p = c.peek();
      if (!p) return unfinished(c);
      if (!is_column_definition(*p)) return mismatch(c);
      c.take();
    }
    p = c.peek();
    if (!p) return unfinished(c);
    if (is_eof(*p) && !s.deprecate_eof.value_or(false)) c.take();
    // Rows until the terminator: no row starts with 0xfe (a value of 16 MiB or more, which is
    // oversize here) or 0xff. Packets skipped as oversize were rows.
    std::uint64_t rows = 0;
    for (;;) {
      p = c.peek();
      if (!p) return unfinished(c);
      rows += c.skipped();
      if (p->first_byte() == eof_header || p->first_byte() == err_header) break;
      c.take();
      ++rows;
    }
    if (is_err(*p)) return error_answer(c, *p);
    std::uint16_t flags = status_flags(*p);
    c.take();
    if (multi) body += ", ";
    body += "Resultset rows = " + std::to_string(rows);
    if (!(flags & server_more_results_exist)) return done(c, resp_status::ok, std::move(body));
    multi = true;
  }
}

// The EOF that may follow definitions. Without CLIENT_DEPRECATE_EOF it is there; when the mode is
// unknown (the connection's start was not seen) an absent next packet means no EOF only once
// nothing more can come for this command.
std::optional<answer> optional_eof(answer_cursor& c, const session& s, bool nothing_more) {
  const packet* p = c.peek();
  if (p && is_eof(*p)) {
    c.take();
    return std::nullopt;
  }
  if (p || !c.ran_out() || s.deprecate_eof.value_or(false) || nothing_more) return std::nullopt;
  return unfinished(c);
}

// COM_STMT_PREPARE_OK and its definitions, or ERR.
answer prepared(answer_cursor& c, session& s, const packet& req, bool nothing_more,
                stitch_counters& counters) {
  const packet* p = c.peek();
  if (!p) return unfinished(c);
  if (is_err(*p)) return error_answer(c, *p);
  auto ok = decode_prepare_ok(*p);
  if (!ok) return mismatch(c);
  c.take();
  for (std::uint16_t n : {ok->num_params, ok->num_columns}) {
    if (n == 0) continue;
    for (std::uint16_t i = 0; i < n; ++i) {
      p = c.peek();
      if (!p) return unfinished(c);
      if (!is_column_definition(*p)) return mismatch(c);
      c.take();
    }
    if (auto a = optional_eof(c, s, nothing_more)) return *a;
  }
  s.put(ok->stmt_id, {std::string{std::string_view{req.payload}.substr(1)}, ok->num_params, {}}, counters);
  return done(c, resp_status::ok);
}

std::string execute_body(const packet& req, session& s) {
  auto id = statement_id(req.payload);
  if (!id) return {};
  session::statement* st = s.find(*id);
  if (!st) return "Execute stmt_id=" + std::to_string(*id) + ".";
  return render_execute(req.payload, st->query, st->num_params, st->param_types).value_or(st->query);
}

bool string_request(std::uint8_t c) {
  return c == cmd::query || c == cmd::stmt_prepare || c == cmd::init_db || c == cmd::create_db ||
         c == cmd::drop_db || c == cmd::field_list;
}

answer answer_for(std::uint8_t c, const packet& req, const queue& rs, session& s, bool nothing_more,
                  stitch_counters& counters) {
  answer_cursor cur{rs, static_cast<std::uint8_t>(req.last_seq + 1)};
  switch (c) {
    case cmd::query:
    case cmd::stmt_execute:
    case cmd::process_info: return results(cur, s);
    case cmd::stmt_prepare: return prepared(cur, s, req, nothing_more, counters);
    case cmd::field_list:
    case cmd::stmt_fetch: return until_eof(cur);
    case cmd::statistics: return single(cur, true);
    default: return single(cur);
  }
}

void drop_orphan(queue& rs, stitch_counters& counters) {
  rs.pop_front();
  ++counters.attempts;
  ++counters.errors;
  ++counters.orphan_responses;
}

// A connection-phase client packet (login request, auth data) and the server packets answering
// it: no record.
void connection_phase(queue& requests, queue& responses, session& s, stitch_counters& counters) {
  const packet& req = requests.front();
  if (req.seq == 1 && s.server_capabilities != 0) {
    s.deprecate_eof = (login_capabilities(req) & s.server_capabilities & client_deprecate_eof) != 0;
  }
  auto expect = static_cast<std::uint8_t>(req.last_seq + 1);
  while (!responses.empty() && responses.front().seq == expect &&
         responses.front().timestamp_ns >= req.timestamp_ns) {
    responses.pop_front();
    ++counters.interim_responses;
    ++expect;
  }
  requests.pop_front();
  ++counters.interim_responses;
}

bool confirms(std::uint8_t c) {
  return c == cmd::query || c == cmd::stmt_prepare || c == cmd::stmt_execute || c == cmd::init_db ||
         c == cmd::create_db || c == cmd::drop_db || c == cmd::connect;
}

// The pairing loop; stitch() applies the confirmation rule to what it appends.
void stitch_commands(std::deque<packet>& requests, std::deque<packet>& responses, bool end_of_stream,
                     session& state, stitch_counters& counters, std::vector<record>& out) {
  for (;;) {
    if (!responses.empty() && is_greeting(responses.front())) {
      state.server_capabilities = greeting_capabilities(responses.front());
      state.confirmed = true;
      responses.pop_front();
      ++counters.interim_responses;
      continue;
    }
    if (requests.empty()) {
      while (end_of_stream && !responses.empty()) drop_orphan(responses, counters);
      return;
    }
    const packet& req = requests.front();
    if (req.seq != 0) {
      if (responses.empty() && !end_of_stream) return;  // its answer comes before any command's
      connection_phase(requests, responses, state, counters);
      continue;
    }
    std::uint8_t c = req.first_byte();
    record rec;
    rec.req_cmd = c;
    rec.req_timestamp_ns = req.timestamp_ns;
    rec.resp_timestamp_ns = req.timestamp_ns;
    if (string_request(c)) rec.req_body = std::string_view{req.payload}.substr(1);
    if (c == cmd::stmt_close || c == cmd::stmt_send_long_data) {
      ++counters.attempts;
      if (auto id = statement_id(req.payload); id && c == cmd::stmt_close) state.erase(*id);
      rec.status = resp_status::none;
      out.push_back(std::move(rec));
      requests.pop_front();
      continue;
    }
    // Server packets from before the command, or that cannot start an answer, answer nothing here.
    auto first_seq = static_cast<std::uint8_t>(req.last_seq + 1);
    while (!responses.empty() && !is_greeting(responses.front()) &&
           (responses.front().timestamp_ns < req.timestamp_ns || responses.front().seq != first_seq)) {
      drop_orphan(responses, counters);
    }
    if (c == cmd::quit) {
      // The server closes the connection; an OK or ERR may come first.
      ++counters.attempts;
      rec.status = resp_status::none;
      if (!responses.empty() && (is_ok(responses.front()) || is_err(responses.front()))) {
        rec.status = is_ok(responses.front()) ? resp_status::ok : resp_status::err;
        rec.resp_timestamp_ns = responses.front().timestamp_ns;
        responses.pop_front();
      }
      out.push_back(std::move(rec));
      requests.pop_front();
      continue;
    }
    if (c == cmd::stmt_execute) rec.req_body = execute_body(req, state);
    bool nothing_more = end_of_stream || requests.size() > 1;
    answer a = answer_for(c, req, responses, state, nothing_more, counters);
    if (a.v == verdict::wait) {
      if (!end_of_stream) return;
      a.v = verdict::mismatch;
    }
    ++counters.attempts;
    responses.erase(responses.begin(), responses.begin() + static_cast<std::ptrdiff_t>(a.used));
    if (a.v == verdict::mismatch) {
      ++counters.errors;
    } else {
      state.confirmed = state.confirmed || confirms(c);
      rec.status = a.status;
      rec.resp_body = std::move(a.body);
      rec.resp_timestamp_ns = a.ts;
      out.push_back(std::move(rec));
    }
    requests.pop_front();
  }
}

}  // namespace

void stitch(std::deque<packet>& requests, std::deque<packet>& responses, bool end_of_stream,
            session& state, stitch_counters& counters, std::vector<record>& out) {
  std::size_t before = out.size();
  stitch_commands(requests, responses, end_of_stream, state, counters, out);
  if (!state.confirmed) {
    counters.unconfirmed_dropped += out.size() - before;
    out.resize(before);
  }
}

}  // namespace wisp::protocols::mysql
