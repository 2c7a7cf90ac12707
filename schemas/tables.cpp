#include "schemas/tables.hpp"

#include "schemas/conn_stats.hpp"
#include "schemas/cql_events.hpp"
#include "schemas/dns_events.hpp"
#include "schemas/http_events.hpp"
#include "schemas/kafka_events.hpp"
#include "schemas/mysql_events.hpp"
#include "schemas/nats_events.hpp"
#include "schemas/pgsql_events.hpp"
#include "schemas/redis_events.hpp"

namespace wisp::schemas {

namespace {

template <std::size_t N>
table_schema make(const table_def<N>& t) {
  return {std::string{t.name}, std::string{t.desc}, to_relation(t)};
}

}  // namespace

const std::vector<table_schema>& all_tables() {
  static const std::vector<table_schema> tables{make(http_events),  make(redis_events),
                                                make(pgsql_events), make(mysql_events),
                                                make(dns_events),   make(nats_events),
                                                make(cql_events),
                                                make(kafka_events),
                                                make(conn_stats)};
  return tables;
}

const table_schema* find_table(std::string_view name) {
  for (const auto& t : all_tables())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace wisp::schemas
