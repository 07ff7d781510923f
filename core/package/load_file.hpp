#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/common/string_arena.hpp"
#include "core/normalize/normalized_batch.hpp"
#include "core/schema/table_schema.hpp"

namespace ingestd::package {

/// A load file holds the typed rows of one table, written by the normalize
/// stage and streamed by the load stage. It is ingestd's own compact binary
/// format: typed values (no re-parsing of text), columns defined inline so
/// a file can grow new columns while it is written, and a trailer so a file
/// cut short by a crash is detected instead of half-loaded.
///
/// Layout (integers little endian):
///   magic "INGESTD-LF1\n"
///   records, each starting with one tag byte:
///     'C' column: u32 file column index (0, 1, 2, ... in order), u16 name
///         length, name bytes, u8 data type (schema::DataType)
///     'R' row: u32 cell count, then per cell: u32 file column index and the
///         value: bigint/timestamp/date/time i64; double f64; bool u8;
///         text/json/decimal/wei/binary u32 length + bytes
///     'E' end: u64 row count  (must be the last record)
/// The file column index is private to the file; readers map it to the
/// schema table by column name.

/// Writes one load file. Not thread-safe.
class LoadFileWriter {
 public:
  /// Creates (truncates) `path`.
  static Result<LoadFileWriter> Create(const std::string& path);

  LoadFileWriter(LoadFileWriter&&) noexcept;
  LoadFileWriter& operator=(LoadFileWriter&&) noexcept;
  ~LoadFileWriter();

  /// Appends every row of `rows`; their cell column indexes refer to
  /// `table`'s columns (the normalizer's working schema). Columns the file
  /// has not seen yet are defined first.
  Status Append(const normalize::TableRows& rows, const schema::TableSchema& table);

  /// Writes the end record, flushes and fsyncs. A file not finished is
  /// rejected by readers.
  Status Finish();

  std::uint64_t rows_written() const;
  std::uint64_t bytes_written() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit LoadFileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Streams the rows of one load file, with cells mapped to the columns of a
/// schema table. Not thread-safe.
class LoadFileReader {
 public:
  /// Opens `path`; every column the file defines must exist, complete and of
  /// the same type, in `table` (else kDataLoss naming file and column).
  static Result<LoadFileReader> Open(const std::string& path, const schema::TableSchema& table);

  LoadFileReader(LoadFileReader&&) noexcept;
  LoadFileReader& operator=(LoadFileReader&&) noexcept;
  ~LoadFileReader();

  /// The next row, or false at the end. Cell column indexes are indexes into
  /// `table`'s columns; text values stay valid until the next call. A
  /// truncated or corrupt file gives kDataLoss naming the file and offset.
  Result<bool> Next(std::span<const normalize::Cell>& row);

 private:
  struct Impl;
  explicit LoadFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ingestd::package
