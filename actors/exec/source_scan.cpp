#include "actors/exec/source_scan.hpp"

namespace wisp::exec {

make_scan_result make_source_scan(const pxl::memory_source_op& op, const schemas::relation& stored) {
  make_scan_result r;
  r.scan.start_ns = op.start_ns;
  r.scan.end_ns = op.end_ns;
  r.scan.time_column = stored.index_of("time_");
  if ((op.start_ns || op.end_ns) && !r.scan.time_column) {
    r.error = "table '" + op.table + "' has no time_ column to apply the time range to";
    return r;
  }
  for (const auto& name : op.columns) {
    auto idx = stored.index_of(name);
    if (!idx) {
      r.error = "column '" + name + "' is not in stored table '" + op.table + "'";
      return r;
    }
    r.scan.columns.push_back(*idx);
  }
  return r;
}

schemas::row_batch_ptr apply_scan(const source_scan& scan, const schemas::row_batch_ptr& stored_ptr) {
  const schemas::row_batch& stored = *stored_ptr;
  const std::size_t rows = stored.num_rows();
  if (rows == 0) return nullptr;
  std::vector<std::uint8_t> mask;
  std::size_t kept = rows;
  if (scan.time_column && (scan.start_ns || scan.end_ns)) {
    const auto& t = stored.columns[*scan.time_column].ints();
    mask.resize(rows);
    kept = 0;
    for (std::size_t i = 0; i < rows; ++i) {
      bool in = (!scan.start_ns || t[i] >= *scan.start_ns) && (!scan.end_ns || t[i] < *scan.end_ns);
      mask[i] = in ? 1 : 0;
      kept += in ? 1 : 0;
    }
  }
  if (kept == 0) return nullptr;
  // Every column in stored order and every row: share the stored batch (it is immutable).
  bool identity = kept == rows && scan.columns.size() == stored.columns.size();
  for (std::size_t i = 0; identity && i < scan.columns.size(); ++i) identity = scan.columns[i] == i;
  if (identity) return stored_ptr;
  auto out = std::make_shared<schemas::row_batch>();
  out->columns.reserve(scan.columns.size());
  for (auto c : scan.columns)
    out->columns.push_back(kept == rows ? stored.columns[c] : stored.columns[c].filter(mask));
  return out;
}

}  // namespace wisp::exec
